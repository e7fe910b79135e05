"""Detection as code: log sources, Sigma and native rules, engines, sinks."""

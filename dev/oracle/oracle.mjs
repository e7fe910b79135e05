// Differential oracle for cloudwarden's IAM engine (dev tool only, never a dependency).
//
// Reads batch lines in cloudwarden's batch format (one JSON object per line) on stdin and
// writes, per line and in order, {"id", "decision"} as decided by @cloud-copilot/iam-simulate
// (AGPL; run here as an outside program), or {"id", "error"} when the oracle rejects the
// input. With --detail each result also carries the oracle's per-layer results and the
// context keys it dropped. The throughput of the decision loop (JSON parse + simulation,
// module loading excluded) is printed on stderr as one JSON line at the end.
//
//   node oracle.mjs [--detail] < lines.jsonl > decisions.jsonl

import { createInterface } from 'node:readline'
import { anonymousPrincipal, runSimulation } from '@cloud-copilot/iam-simulate'

const DECISIONS = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicit_deny',
  ImplicitlyDenied: 'implicit_deny'
}
const detail = process.argv.includes('--detail')
const full = process.argv.includes('--explain')

function named(policies, prefix) {
  return (policies || []).map((policy, i) => ({ name: `${prefix}-${i}`, policy: asObject(policy) }))
}

function asObject(policy) {
  return typeof policy === 'string' ? JSON.parse(policy) : policy
}

function levels(value, prefix) {
  return (value || []).map((level, i) => ({
    orgIdentifier: `${prefix}-level-${i}`,
    policies: named(level, `${prefix}-${i}`)
  }))
}

function resourceAccount(line) {
  if (line.resource_account) return line.resource_account
  const parts = (line.resource || '*').split(':')
  if (parts.length >= 6 && parts[4]) return parts[4]
  const principal = (line.principal || '').split(':')
  return principal.length >= 6 ? principal[4] : ''
}

function simulation(line) {
  const anonymous = line.principal === 'anonymous' || line.principal === '*'
  const sim = {
    request: {
      principal: anonymous ? anonymousPrincipal : line.principal,
      action: line.action,
      resource: { resource: line.resource || '*', accountId: resourceAccount(line) },
      contextVariables: line.context || {}
    },
    identityPolicies: named(line.identity_policies, 'identity'),
    serviceControlPolicies: levels(line.scps, 'scp'),
    resourceControlPolicies: levels(line.rcps, 'rcp')
  }
  if (line.resource_policy) sim.resourcePolicy = asObject(line.resource_policy)
  if (line.permission_boundary) {
    sim.permissionBoundaryPolicies = named([line.permission_boundary], 'boundary')
  }
  if (line.session_policy) sim.sessionPolicy = asObject(line.session_policy)
  return sim
}

function layers(analysis) {
  if (!analysis) return undefined
  return {
    scp: analysis.scpAnalysis?.result,
    rcp: analysis.rcpAnalysis?.result,
    identity: analysis.identityAnalysis?.result,
    resource: analysis.resourceAnalysis?.result,
    boundary: analysis.permissionBoundaryAnalysis?.result,
    session: analysis.sessionAnalysis?.result,
    same_account: analysis.sameAccount
  }
}

function statementExplains(analysis) {
  if (!analysis) return undefined
  const all = [
    ...(analysis.allowStatements || []),
    ...(analysis.denyStatements || []),
    ...(analysis.unmatchedStatements || [])
  ]
  return all.map((s) => ({ policy: s.policyId, ...s.explain }))
}

function explains(analysis) {
  return {
    identity: statementExplains(analysis.identityAnalysis),
    resource: statementExplains(analysis.resourceAnalysis),
    boundary: statementExplains(analysis.permissionBoundaryAnalysis),
    session: statementExplains(analysis.sessionAnalysis),
    scp: (analysis.scpAnalysis?.ouAnalysis || []).map(statementExplains),
    rcp: (analysis.rcpAnalysis?.ouAnalysis || []).map(statementExplains)
  }
}

async function decide(text) {
  let line
  try {
    line = JSON.parse(text)
  } catch (err) {
    return { id: null, error: `invalid JSON: ${err.message}` }
  }
  try {
    const result = await runSimulation(simulation(line), {})
    if (result.resultType === 'error') {
      return { id: line.id, error: JSON.stringify(result.errors) }
    }
    const out = { id: line.id, decision: DECISIONS[result.overallResult] || result.overallResult }
    if (detail && result.resultType === 'single') {
      out.layers = layers(result.result.analysis)
      out.ignored_context_keys = result.result.ignoredContextKeys || []
      if (full) out.explain = explains(result.result.analysis)
    }
    return out
  } catch (err) {
    return { id: line.id, error: `oracle crashed: ${err.message}` }
  }
}

async function main() {
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity })
  const chunks = []
  let count = 0
  let busy = 0n
  const cpuStart = process.cpuUsage()
  for await (const text of input) {
    if (!text.trim()) continue
    const start = process.hrtime.bigint()
    const result = await decide(text)
    busy += process.hrtime.bigint() - start
    count += 1
    chunks.push(JSON.stringify(result))
    if (chunks.length >= 1000) {
      process.stdout.write(chunks.join('\n') + '\n')
      chunks.length = 0
    }
  }
  if (chunks.length) process.stdout.write(chunks.join('\n') + '\n')
  const cpu = process.cpuUsage(cpuStart)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const seconds = Number(busy) / 1e9
  process.stderr.write(
    JSON.stringify({
      oracle_lines: count,
      decide_seconds: seconds,
      cpu_seconds: cpuSeconds,
      per_second: seconds > 0 ? count / seconds : 0
    }) + '\n'
  )
}

await main()

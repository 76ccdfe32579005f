// Differential test of the expression engine against DynamoDB Local (see test/support/expression-differential.ts).
// The seeded run here is sized to stay well under a minute; `pnpm diff-expressions` runs a larger one
// (DIFF_EXPRESSIONS_SCALE multiplies the case counts, DIFF_EXPRESSIONS_SEED picks another seed,
// DIFF_EXPRESSIONS_REPORT names a file that receives every mismatch).
import { writeFileSync } from 'node:fs'
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createDynamoDBClient, createTestTable, deleteTestTable } from '@ddb-encryption/testing'
import { isReservedWord, KEYWORDS, RESERVED_WORDS } from '../../src/expression/reserved-words'
import { describeMismatch, runDifferential, type DifferentialReport } from '../support/expression-differential'

const scale = Number(process.env.DIFF_EXPRESSIONS_SCALE ?? '1')
const seed = Number(process.env.DIFF_EXPRESSIONS_SEED ?? '20261130')

let ddb: DynamoDBClient
let tableName: string

beforeAll(async () => {
  ddb = createDynamoDBClient()
  tableName = await createTestTable(ddb, { namePrefix: 'expr-diff', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'N' } })
}, 120_000)

afterAll(async () => {
  await deleteTestTable(ddb, tableName)
  ddb.destroy()
})

function summary(report: DifferentialReport): string {
  return `${report.cases} cases, ${report.filterEvaluations} filter evaluations, classes ${JSON.stringify(report.classes)}, ` +
    `${report.toleratedMessageDifferences} tolerated message differences, ${report.mismatches.length} mismatches`
}

describe('expression engine versus DynamoDB Local', () => {
  it('gives the same results and errors for random updates, conditions and filters', async () => {
    const report = await runDifferential({
      ddb,
      tableName,
      seed,
      updates: Math.round(900 * scale),
      conditions: Math.round(600 * scale),
      filters: Math.round(150 * scale),
    })
    process.stderr.write(`[diff-expressions] seed ${seed}: ${summary(report)}\n`)
    const reportFile = process.env.DIFF_EXPRESSIONS_REPORT
    if (reportFile !== undefined) writeFileSync(reportFile, `${report.mismatches.map((m) => describeMismatch(m, 0)).join('\n')}\n`)
    expect(report.mismatches.slice(0, 5).map((m) => describeMismatch(m))).toEqual([])
    // The generator reaches every outcome class, so agreement is not agreement on one easy case.
    for (const label of [
      'update:ok', 'update:ValidationException', 'update:ConditionalCheckFailedException',
      'condition:ok', 'condition:ConditionalCheckFailedException', 'condition:ValidationException',
      'filter:ok', 'filter:ValidationException',
    ]) {
      expect(report.classes[label] ?? 0).toBeGreaterThan(report.cases / 100)
    }
  }, 600_000 * Math.max(1, scale))

  it('agrees with DynamoDB Local on every reserved word and keyword', async () => {
    const verdict = async (word: string): Promise<string> => {
      try {
        await ddb.send(new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: 'reserved-words' }, sk: { N: '0' } },
          ConditionExpression: `attribute_exists(${word.toLowerCase()})`,
        }))
        return 'accepted'
      } catch (error) {
        const message = (error as Error).message
        if ((error as Error).name === 'ConditionalCheckFailedException') return 'accepted'
        return /reserved keyword/.test(message) ? 'reserved' : /Syntax error/.test(message) ? 'syntax' : message
      }
    }
    const words = [...RESERVED_WORDS, ...KEYWORDS, 'SIZE', 'CONVERT', 'a', 'items2', 'attribute_exists']
    const ours = (word: string): string => (KEYWORDS.has(word) ? 'syntax' : isReservedWord(word) ? 'reserved' : 'accepted')
    const theirs: string[] = []
    for (let i = 0; i < words.length; i += 50) theirs.push(...(await Promise.all(words.slice(i, i + 50).map(verdict))))
    expect(words.map((w, i) => `${w}: ${theirs[i]}`)).toEqual(words.map((w) => `${w}: ${ours(w)}`))
    expect(RESERVED_WORDS.size).toBeGreaterThan(550)
  }, 120_000)
})

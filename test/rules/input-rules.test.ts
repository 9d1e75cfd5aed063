import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as rules from '../../platform/rules/index.js';
import { FIELD_RULES, MAX_BATCH_IDS, type Checked, type FieldRuleName } from '../../platform/rules/index.js';
import * as gateway from '../../src/validation/rules.js';
import { INPUT_CASES, type InputCase } from '../support/input-cases.js';

/** Runs one rule on one case's input; `idList` takes the limit the services apply. */
function run(field: FieldRuleName, input: unknown): Checked<unknown> {
  if (field === 'idList') return rules.idList(input as string[], MAX_BATCH_IDS);
  return (FIELD_RULES[field] as (value: unknown) => Checked<unknown>)(input);
}

describe('the shared input rules', () => {
  it('every rule has cases in the shared table, accepted and refused', () => {
    for (const field of Object.keys(FIELD_RULES) as FieldRuleName[]) {
      const cases: readonly InputCase<unknown, unknown>[] = INPUT_CASES[field];
      assert.ok(cases.some((entry) => entry.outcome.accepted), `${field} has no accepted case`);
      assert.ok(cases.some((entry) => !entry.outcome.accepted), `${field} has no refused case`);
    }
  });

  for (const field of Object.keys(FIELD_RULES) as FieldRuleName[]) {
    describe(field, () => {
      for (const entry of INPUT_CASES[field] as readonly InputCase<unknown, unknown>[]) {
        it(`${entry.outcome.accepted ? 'accepts' : 'refuses'} ${entry.name}`, () => {
          const result = run(field, entry.input);
          if (entry.outcome.accepted) {
            assert.ok(result.ok, result.ok ? '' : `refused: ${result.violation.message}`);
            assert.deepEqual(result.value, entry.outcome.value);
          } else {
            assert.equal(result.ok, false, 'accepted');
            if (!result.ok) assert.ok(result.violation.message.length > 0);
          }
        });
      }
    });
  }

  it('a refused entry of a list is named by its position', () => {
    const result = rules.idList(['usr_1', 'usr_2', ' '], MAX_BATCH_IDS);
    assert.deepEqual(result, { ok: false, violation: { field: 'ids', message: 'must not be empty', index: 2 } });
  });

  it('what a rule accepts, it accepts again unchanged: normalising twice changes nothing', () => {
    for (const field of Object.keys(FIELD_RULES) as FieldRuleName[]) {
      for (const entry of INPUT_CASES[field] as readonly InputCase<unknown, unknown>[]) {
        if (!entry.outcome.accepted) continue;
        assert.deepEqual(run(field, entry.outcome.value), { ok: true, value: entry.outcome.value }, `${field}: ${entry.name}`);
      }
    }
  });

  // The gateway's own normalisation, apart from what the service stores: over HTTP
  // (test/gateway/input-rules.test.ts) a service normalising again would hide it.
  describe("the gateway's argument schemas give the rule's value for every case", () => {
    const schemas: Record<FieldRuleName, { safeParse(value: unknown): { success: boolean; data?: unknown } }> = {
      ...gateway,
      idList: gateway.notificationIds,
      pageSize: gateway.first,
    };
    for (const field of Object.keys(FIELD_RULES) as FieldRuleName[]) {
      it(field, () => {
        for (const entry of INPUT_CASES[field] as readonly InputCase<unknown, unknown>[]) {
          const parsed = schemas[field].safeParse(entry.input);
          assert.equal(parsed.success, entry.outcome.accepted, entry.name);
          if (entry.outcome.accepted) assert.deepEqual(parsed.data, entry.outcome.value, entry.name);
        }
      });
    }
  });

  it('the rules folder imports nothing from outside itself, so it can move as it is', () => {
    const folder = join(import.meta.dirname, '../../platform/rules');
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const imports = [...readFileSync(join(folder, file), 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);
      for (const source of imports) assert.match(source, /^\.\/[a-z-]+\.js$/, `${file} imports ${source}`);
    }
  });
});

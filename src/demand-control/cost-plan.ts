import {
  getNamedType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { MAX_LIST_ARGUMENT } from '../validation/rules.js';
import type { CostModel, FieldCost } from './cost-model.js';

/** An argument value as written in the document: known now, or read from a variable per request. */
type PlannedValue = { kind: 'literal'; value: unknown } | { kind: 'variable'; name: string };

/** `@skip(if:)` or `@include(if:)` on a field or fragment: the field is counted only when it runs. */
interface Condition {
  include: boolean;
  value: PlannedValue;
}

/** One field of a selection set, merged by response key as graphql-js executes it. */
interface PlannedField {
  rules: FieldCost;
  /** The arguments the cost depends on (slicing and weighted ones) as the client wrote them. */
  arguments: Map<string, PlannedValue>;
  /** Each place the field appears; it runs when the conditions of any one of them hold. */
  occurrences: Condition[][];
  children: PlannedField[];
  /** The field's name in its type, to match a parent's `sizedFields`. */
  name: string;
}

/**
 * One operation of a document, compiled once: its fields with their cost rules,
 * merged by response key, fragments inlined. `estimate` then only multiplies
 * numbers; when nothing in the plan reads a variable, the cost is computed once.
 */
export class CostPlan {
  private fixedCost: number | undefined;

  constructor(
    private readonly roots: readonly PlannedField[],
    private readonly variableDefaults: ReadonlyMap<string, unknown>,
    private readonly readsVariables: boolean,
  ) {}

  /** The operation's estimated cost with these variables. */
  estimate(variables: Readonly<Record<string, unknown>> = {}): number {
    if (!this.readsVariables) return (this.fixedCost ??= this.sum(this.roots, {}, null));
    return this.sum(this.roots, variables, null);
  }

  private sum(fields: readonly PlannedField[], variables: Readonly<Record<string, unknown>>, sized: Sizing | null): number {
    let total = 0;
    for (const field of fields) {
      if (!this.runs(field, variables)) continue;
      total += this.fieldCost(field, variables, sized?.fields.includes(field.name) ? sized.size : null);
    }
    return total;
  }

  /** Apollo Router's formula: items × (weight + selection) + arguments sent. */
  private fieldCost(field: PlannedField, variables: Readonly<Record<string, unknown>>, inheritedSize: number | null): number {
    const { rules } = field;
    const size = rules.listSize ? this.listSize(field, variables) : null;
    // A connection passes its size to the lists it names (`edges`); a list counts its own.
    const childSizing = rules.listSize && rules.listSize.sizedFields.length > 0 && size !== null ? { fields: rules.listSize.sizedFields, size } : null;
    const items = rules.isList ? (inheritedSize ?? (childSizing ? null : size) ?? MAX_LIST_ARGUMENT) : 1;
    let argumentsCost = 0;
    for (const [name, weight] of rules.argumentWeights) if (field.arguments.has(name)) argumentsCost += weight;
    return items * (rules.weight + this.sum(field.children, variables, childSizing)) + argumentsCost;
  }

  /** The size a `@listSize` gives: the largest slicing argument sent (or defaulted), else the assumed size; at most 100. */
  private listSize(field: PlannedField, variables: Readonly<Record<string, unknown>>): number {
    const rule = field.rules.listSize!;
    let largest: number | null = null;
    for (const name of rule.slicingArguments) {
      const written = field.arguments.get(name);
      const value = written ? this.valueOf(written, variables) : undefined;
      const size = sizeOf(value ?? field.rules.argumentDefaults.get(name));
      if (size !== null) largest = Math.max(largest ?? 0, size);
    }
    // A larger value is refused by the field's own validation before any RPC, so it never runs.
    return Math.min(largest ?? rule.assumedSize ?? MAX_LIST_ARGUMENT, MAX_LIST_ARGUMENT);
  }

  private runs(field: PlannedField, variables: Readonly<Record<string, unknown>>): boolean {
    return field.occurrences.some((conditions) => conditions.every((condition) => this.holds(condition, variables)));
  }

  private holds(condition: Condition, variables: Readonly<Record<string, unknown>>): boolean {
    const value = this.valueOf(condition.value, variables);
    // Anything but a boolean fails validation or coercion before execution; count the field meanwhile.
    if (typeof value !== 'boolean') return true;
    return value === condition.include;
  }

  private valueOf(value: PlannedValue, variables: Readonly<Record<string, unknown>>): unknown {
    if (value.kind === 'literal') return value.value;
    return Object.hasOwn(variables, value.name) ? variables[value.name] : this.variableDefaults.get(value.name);
  }
}

/** The size a `@listSize` passes to the lists its field names. */
interface Sizing {
  fields: readonly string[];
  size: number;
}

/** An argument's size: a number as is, a list by its length, anything else unknown. */
function sizeOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.floor(value));
  if (Array.isArray(value)) return value.length;
  // A single value where a list is expected is coerced to a list of one.
  if (typeof value === 'string') return 1;
  return null;
}

/**
 * Compiles the operation `operationName` of `document` (validated against
 * `schema`) into a plan; null when the document has no such operation.
 */
export function compileCostPlan(schema: GraphQLSchema, model: CostModel, document: DocumentNode, operationName?: string | null): CostPlan | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations += 1;
      if (operationName ? definition.name?.value === operationName : true) operation ??= definition;
    }
  }
  if (!operation || (!operationName && operations > 1)) return null;
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return null;

  const state = { readsVariables: false };
  const roots = new Compiler(model, fragments, state).selections([{ set: operation.selectionSet, conditions: [], inFragments: new Set() }], root);
  const variableDefaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  return new CostPlan(roots, variableDefaults, state.readsVariables);
}

/** Selections to plan on one type: a selection set, the conditions it runs under, the fragments it sits in. */
interface SelectionSource {
  set: SelectionSetNode;
  conditions: Condition[];
  inFragments: ReadonlySet<string>;
}

class Compiler {
  constructor(
    private readonly model: CostModel,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly state: { readsVariables: boolean },
  ) {}

  /**
   * The fields of `sources` on `type`, merged by response key as graphql-js
   * merges them (fields under one key run once, their sub-selections merged),
   * fragments inlined under their conditions.
   */
  selections(sources: readonly SelectionSource[], type: GraphQLObjectType): PlannedField[] {
    const byKey = new Map<string, { field: PlannedField; children: SelectionSource[] }>();
    for (const source of sources) this.collect(source, type, byKey);
    const fields: PlannedField[] = [];
    for (const { field, children } of byKey.values()) {
      const returned = getNamedType(type.getFields()[field.name]!.type);
      if (isObjectType(returned) && children.length > 0) field.children = this.selections(children, returned);
      fields.push(field);
    }
    return fields;
  }

  private collect(
    { set, conditions, inFragments }: SelectionSource,
    type: GraphQLObjectType,
    byKey: Map<string, { field: PlannedField; children: SelectionSource[] }>,
  ): void {
    for (const selection of set.selections) {
      const here = [...conditions, ...this.conditionsOf(selection.directives)];
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        // Introspection and __typename never reach a service; depth limits bound them.
        const rules = name.startsWith('__') ? undefined : this.model.field(type.name, name);
        if (!rules) continue;
        const key = selection.alias?.value ?? name;
        let entry = byKey.get(key);
        if (!entry) {
          entry = { field: { rules, arguments: new Map(), occurrences: [], children: [], name }, children: [] };
          byKey.set(key, entry);
        }
        entry.field.occurrences.push(here);
        for (const argument of selection.arguments ?? []) {
          const counted = rules.argumentWeights.has(argument.name.value) || rules.listSize?.slicingArguments.includes(argument.name.value);
          if (counted) entry.field.arguments.set(argument.name.value, this.planned(argument.value));
        }
        // A child counts only where this occurrence of its parent runs.
        if (selection.selectionSet) entry.children.push({ set: selection.selectionSet, conditions: here, inFragments });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        this.collect({ set: selection.selectionSet, conditions: here, inFragments }, type, byKey);
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        // Validation refuses cycles; the guard keeps a bad document from recursing anyway.
        if (!fragment || inFragments.has(name)) continue;
        this.collect({ set: fragment.selectionSet, conditions: here, inFragments: new Set([...inFragments, name]) }, type, byKey);
      }
    }
  }

  private conditionsOf(directives: readonly DirectiveNode[] | undefined): Condition[] {
    const conditions: Condition[] = [];
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const argument = directive.arguments?.find((entry) => entry.name.value === 'if');
      if (argument) conditions.push({ include: name === 'include', value: this.planned(argument.value) });
    }
    return conditions;
  }

  private planned(value: ValueNode): PlannedValue {
    if (value.kind === Kind.VARIABLE) {
      this.state.readsVariables = true;
      return { kind: 'variable', name: value.name.value };
    }
    if (value.kind === Kind.LIST && value.values.some((item) => item.kind === Kind.VARIABLE)) {
      // A list with variables inside still has a length known now.
      return { kind: 'literal', value: value.values.map(() => null) };
    }
    return { kind: 'literal', value: valueFromASTUntyped(value) };
  }
}

import {
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  type GraphQLDirective,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { CostDirectiveArgs, ListSizeDirectiveArgs } from '../../generated/graphql/resolvers-types.js';

/** What a mutation field costs when its SDL says nothing: a write is never cheap (Apollo Router's default). */
export const DEFAULT_MUTATION_WEIGHT = 10;

/** How many items a list field returns, from its `@listSize`. */
export interface ListSizeRule {
  /** Items counted when no slicing argument applies. */
  assumedSize: number | null;
  /** Arguments that set the page size: the largest value sent, or its default, counts. */
  slicingArguments: readonly string[];
  /** Child lists the size applies to (`edges` of a connection), instead of the field itself. */
  sizedFields: readonly string[];
}

/** The cost rules of one field, read once from the schema. */
export interface FieldCost {
  /** The weight of each item the field returns: its `@cost`, else its type's. */
  readonly weight: number;
  /** Whether the field returns a list, so that its selection is paid once per item. */
  readonly isList: boolean;
  readonly listSize: ListSizeRule | null;
  /** Weights of arguments (their `@cost`), added once when the client sends them. */
  readonly argumentWeights: ReadonlyMap<string, number>;
  /** Default values of the slicing arguments, used when the client sends none. */
  readonly argumentDefaults: ReadonlyMap<string, unknown>;
}

/**
 * The cost rules of a schema, read from its `@cost` and `@listSize` directives
 * (the IBM GraphQL Cost Directive specification, as Apollo Router implements
 * it): an object costs 1, a scalar or enum 0, a mutation field 10, unless a
 * `@cost` on the field or its type says otherwise; a list multiplies its
 * selection by its size.
 */
export class CostModel {
  private readonly fields = new Map<string, Map<string, FieldCost>>();
  private readonly mutationType: string | undefined;

  constructor(private readonly schema: GraphQLSchema) {
    this.mutationType = schema.getMutationType()?.name;
    const cost = schema.getDirective('cost');
    const listSize = schema.getDirective('listSize');
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const byName = new Map<string, FieldCost>();
      for (const field of Object.values(type.getFields())) byName.set(field.name, this.read(type.name, field, cost, listSize));
      this.fields.set(type.name, byName);
    }
  }

  /** The rules of `typeName.fieldName`, or undefined for introspection and unknown fields. */
  field(typeName: string, fieldName: string): FieldCost | undefined {
    return this.fields.get(typeName)?.get(fieldName);
  }

  /** Every list field of the schema with its parent type, for checks that each has a size rule. */
  *listFields(): Generator<{ type: string; field: string; rules: FieldCost }> {
    for (const [type, fields] of this.fields) for (const [field, rules] of fields) if (rules.isList) yield { type, field, rules };
  }

  /** Every field whose `@listSize` names `sizedFields`, with the type it returns. */
  *sizingFields(): Generator<{ type: string; field: string; returns: string; sizedFields: readonly string[] }> {
    for (const [type, fields] of this.fields) {
      for (const [field, rules] of fields) {
        if (!rules.listSize || rules.listSize.sizedFields.length === 0) continue;
        const definition = this.schema.getType(type);
        if (!isObjectType(definition)) continue;
        const returned = getNamedType(definition.getFields()[field]!.type);
        yield { type, field, returns: returned.name, sizedFields: rules.listSize.sizedFields };
      }
    }
  }

  private read(
    typeName: string,
    field: GraphQLField<unknown, unknown>,
    cost: GraphQLDirective | null | undefined,
    listSize: GraphQLDirective | null | undefined,
  ): FieldCost {
    const own = cost && field.astNode ? (getDirectiveValues(cost, field.astNode) as CostDirectiveArgs | undefined) : undefined;
    const fallback = typeName === this.mutationType ? DEFAULT_MUTATION_WEIGHT : typeWeight(getNamedType(field.type), cost);
    const size = listSize && field.astNode ? (getDirectiveValues(listSize, field.astNode) as ListSizeDirectiveArgs | undefined) : undefined;
    const argumentWeights = new Map<string, number>();
    const argumentDefaults = new Map<string, unknown>();
    for (const argument of field.args) {
      const weight = cost && argument.astNode ? (getDirectiveValues(cost, argument.astNode) as CostDirectiveArgs | undefined) : undefined;
      if (weight) argumentWeights.set(argument.name, weight.weight);
      if (argument.defaultValue !== undefined) argumentDefaults.set(argument.name, argument.defaultValue);
    }
    return {
      weight: own?.weight ?? fallback,
      isList: isListType(getNullableType(field.type)),
      listSize: size
        ? { assumedSize: size.assumedSize ?? null, slicingArguments: size.slicingArguments ?? [], sizedFields: size.sizedFields ?? [] }
        : null,
      argumentWeights,
      argumentDefaults,
    };
  }
}

/** A type's `@cost`, else 1 for an object and 0 for a scalar or enum. */
function typeWeight(type: GraphQLNamedType, cost: GraphQLDirective | null | undefined): number {
  for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) {
    const values = cost && node ? (getDirectiveValues(cost, node) as CostDirectiveArgs | undefined) : undefined;
    if (values) return values.weight;
  }
  return isCompositeType(type) ? 1 : 0;
}

import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  typeFromAST,
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { REDACTED } from '../../platform/log-context.js';

/** The directive that marks an argument or input field as a secret (`schema/sensitive.graphql`). */
export const SENSITIVE_DIRECTIVE = 'sensitive';

/**
 * Every argument and input field of `schema` marked `@sensitive`, as schema
 * coordinates (`Mutation.logout(refreshToken:)`, `LoginInput.password`), sorted.
 */
export function sensitiveCoordinates(schema: GraphQLSchema): string[] {
  const found: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (isSensitive(field)) found.push(`${type.name}.${field.name}`);
    } else if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        for (const arg of field.args) if (isSensitive(arg)) found.push(`${type.name}.${field.name}(${arg.name}:)`);
      }
    }
  }
  for (const directive of schema.getDirectives()) {
    for (const arg of directive.args) if (isSensitive(arg)) found.push(`@${directive.name}(${arg.name}:)`);
  }
  return found.sort();
}

/** Whether an argument or input field carries `@sensitive` in the SDL. */
export function isSensitive(definition: GraphQLArgument | GraphQLInputField): boolean {
  return definition.astNode?.directives?.some((directive) => directive.name.value === SENSITIVE_DIRECTIVE) ?? false;
}

/** Where the secrets of one variable sit: the whole value, or fields inside it that its input types mark. */
type VariableRule = { readonly whole: true } | { readonly whole: false; readonly types: Set<GraphQLInputType> };

/** What one document does with secrets, worked out once and kept with the parsed document. */
export interface SensitivePlan {
  /** Variables that carry a secret, by name, in any operation of the document. */
  readonly variables: ReadonlyMap<string, VariableRule>;
  /** Whether a literal in the query text (or a variable's default) sits where a secret goes. */
  readonly sensitiveLiterals: boolean;
}

/**
 * Finds, from the schema's `@sensitive` arguments and input fields, which
 * variables of an operation carry a secret, whatever they are called and
 * wherever they are used: as a sensitive argument, inside an input object
 * literal (`login(input: { password: $p })`), inside a list, or as a whole
 * input object whose type holds a sensitive field (`login(input: $input)`
 * redacts `$input.password`). A variable declared with such an input type is
 * redacted by that type even when unused.
 *
 * Each document is planned once, kept with its parsed `DocumentNode` (Apollo
 * Server reuses it for a repeated query), as `CostEstimator` does. The plan is
 * the union over every operation and fragment of the document: one that fails
 * validation (an unknown field, two operations) is planned as far as it can
 * be, and redacting a variable that another operation would have used is
 * harmless.
 */
export class SensitiveVariables {
  private readonly plans = new WeakMap<DocumentNode, SensitivePlan>();
  /** Input types by whether a sensitive field sits somewhere inside them. */
  private readonly holdsSecrets = new Map<GraphQLNamedType, boolean>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** The plan of `document`, computed on first use. */
  plan(document: DocumentNode): SensitivePlan {
    let plan = this.plans.get(document);
    if (!plan) {
      plan = new DocumentPlanner(this.schema, (type) => this.typeHoldsSecrets(type)).plan(document);
      this.plans.set(document, plan);
    }
    return plan;
  }

  /**
   * A copy of `variables` with every secret `document` sends through them
   * replaced by `[Redacted]`; values that carry none are kept as they are
   * (neither copied nor cut: see `capForLog`).
   */
  redact(document: DocumentNode, variables: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const { variables: rules } = this.plan(document);
    const redacted: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(variables)) {
      const rule = rules.get(name);
      if (!rule) redacted[name] = value;
      else if (rule.whole) redacted[name] = REDACTED;
      else redacted[name] = [...rule.types].reduce((current, type) => this.redactByType(current, type), value);
    }
    return redacted;
  }

  /** `value` as a value of input `type`, with each sensitive input field inside it redacted. */
  private redactByType(value: unknown, type: GraphQLInputType): unknown {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      // Input coercion takes a single item where a list is expected.
      return Array.isArray(value) ? value.map((item) => this.redactByType(item, nullable.ofType)) : this.redactByType(value, nullable.ofType);
    }
    if (!isInputObjectType(nullable) || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const fields = nullable.getFields();
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
        // A key the type lacks fails coercion; it is kept, for the name rule of the logger to judge.
        if (!field) return [key, item];
        return [key, isSensitive(field) ? REDACTED : this.redactByType(item, field.type)];
      }),
    );
  }

  /** Whether a sensitive input field sits in `type` or in any input type it holds, however deep. */
  private typeHoldsSecrets(type: GraphQLInputType): boolean {
    const named = getNamedType(type);
    const known = this.holdsSecrets.get(named);
    if (known !== undefined) return known;
    if (!isInputObjectType(named)) {
      this.holdsSecrets.set(named, false);
      return false;
    }
    // Input types may refer to themselves: assume not while looking inside.
    this.holdsSecrets.set(named, false);
    const holds = Object.values(named.getFields()).some((field) => isSensitive(field) || this.typeHoldsSecrets(field.type));
    this.holdsSecrets.set(named, holds);
    return holds;
  }
}

/** One walk over one document's operations and fragments, collecting where secrets go. */
class DocumentPlanner {
  private readonly variables = new Map<string, VariableRule>();
  private sensitiveLiterals = false;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly holdsSecrets: (type: GraphQLInputType) => boolean,
  ) {}

  plan(document: DocumentNode): SensitivePlan {
    const defaults: { name: string; type: GraphQLInputType | undefined; value: ValueNode }[] = [];
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) {
        for (const variable of definition.variableDefinitions ?? []) {
          const name = variable.variable.name.value;
          const declared = typeFromAST(this.schema, variable.type) as GraphQLInputType | undefined;
          // Its type alone says where its secrets are, used or not.
          if (declared && this.holdsSecrets(declared)) this.addType(name, declared);
          if (variable.defaultValue) defaults.push({ name, type: declared, value: variable.defaultValue });
          this.directives(variable.directives);
        }
        this.directives(definition.directives);
        this.selections(definition.selectionSet, this.schema.getRootType(definition.operation) ?? undefined);
      } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        // Every fragment is walked once on its own: the plan is a union, so where it is spread does not matter.
        this.directives(definition.directives);
        this.selections(definition.selectionSet, this.schema.getType(definition.typeCondition.name.value) ?? undefined);
      }
    }
    // A default value is a literal of the query text that fills the variable where it is used.
    for (const { name, type, value } of defaults) this.value(value, type, this.variables.get(name)?.whole === true);
    return { variables: this.variables, sensitiveLiterals: this.sensitiveLiterals };
  }

  private selections(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): void {
    for (const selection of selectionSet.selections) {
      this.directives(selection.directives);
      if (selection.kind === Kind.FIELD) {
        const field: GraphQLField<unknown, unknown> | undefined =
          (isObjectType(parent) || isInterfaceType(parent)) && Object.hasOwn(parent.getFields(), selection.name.value)
            ? parent.getFields()[selection.name.value]
            : undefined;
        this.arguments(selection.arguments, field?.args);
        if (selection.selectionSet) this.selections(selection.selectionSet, field ? getNamedType(field.type) : undefined);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (this.schema.getType(selection.typeCondition.name.value) ?? undefined) : parent;
        this.selections(selection.selectionSet, type);
      }
    }
  }

  private directives(directives: readonly DirectiveNode[] | undefined): void {
    for (const directive of directives ?? []) this.arguments(directive.arguments, this.schema.getDirective(directive.name.value)?.args);
  }

  private arguments(nodes: readonly ArgumentNode[] | undefined, definitions: readonly GraphQLArgument[] | undefined): void {
    for (const node of nodes ?? []) {
      const definition = definitions?.find((arg) => arg.name === node.name.value);
      this.value(node.value, definition?.type, definition ? isSensitive(definition) : false);
    }
  }

  /** Walks a value written in the document, expected as `type` (unknown in a document that fails validation). */
  private value(node: ValueNode, type: GraphQLInputType | undefined, sensitive: boolean): void {
    switch (node.kind) {
      case Kind.VARIABLE:
        if (sensitive) this.variables.set(node.name.value, { whole: true });
        else if (type && this.holdsSecrets(type)) this.addType(node.name.value, type);
        return;
      case Kind.OBJECT: {
        const nullable = type && getNullableType(type);
        const fields = isInputObjectType(nullable) ? nullable.getFields() : undefined;
        for (const field of node.fields) {
          const definition = fields && Object.hasOwn(fields, field.name.value) ? fields[field.name.value] : undefined;
          this.value(field.value, definition?.type, sensitive || (definition ? isSensitive(definition) : false));
        }
        return;
      }
      case Kind.LIST: {
        const nullable = type && getNullableType(type);
        const itemType = isListType(nullable) ? (nullable.ofType as GraphQLInputType) : type;
        for (const item of node.values) this.value(item, itemType, sensitive);
        return;
      }
      case Kind.NULL:
        return;
      default:
        // A string, number, boolean or enum written where a secret goes.
        if (sensitive) this.sensitiveLiterals = true;
    }
  }

  private addType(name: string, type: GraphQLInputType): void {
    const rule = this.variables.get(name);
    if (rule?.whole) return;
    if (rule) rule.types.add(type);
    else this.variables.set(name, { whole: false, types: new Set([type]) });
  }
}

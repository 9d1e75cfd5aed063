import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { Kind, type GraphQLError, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { DemandControlSettings } from '../config/index.js';
import { OperationLimitExceededError, type StructuralLimit } from '../errors.js';

/** Called with each refusal, to count it. */
export type OnRefusal = (limit: StructuralLimit) => void;

/**
 * Validation rules for the structural limits (graphql-armor's depth, aliases
 * and directives rules), run with the schema's own rules on every new
 * document: a document over a limit is refused before it runs, with
 * OPERATION_LIMIT_EXCEEDED naming the limit, its value and what was found.
 *
 * Depth is bounded twice: ordinary fields by `maxDepth` with introspection left
 * out (graphql-js's own rule already bounds introspection's nested lists), and
 * everything, introspection's `ofType` chains included, by
 * `maxIntrospectionDepth`, which is never lower, so only introspection can
 * break it.
 */
export function structuralLimitRules(settings: DemandControlSettings, onRefusal: OnRefusal = () => {}): ValidationRule[] {
  // Each rule reports through graphql-armor's callback, not by throwing, so the
  // client gets our coded error; a document over both depth limits gets one.
  const depthReported = new WeakSet<ValidationContext>();
  const refuse =
    (limit: StructuralLimit, max: number) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      if (!context) return;
      if (limit === 'depth') depthReported.add(context);
      if (limit === 'introspectionDepth' && depthReported.has(context)) return;
      onRefusal(limit);
      context.reportError(new OperationLimitExceededError(limit, max, foundIn(error.message), messages[limit](max)));
    };
  const options = (limit: StructuralLimit, max: number) => ({ n: max, propagateOnRejection: false, onReject: [refuse(limit, max)] });
  // Depth is the answer's: a fragment spread adds no level (clients built from
  // one fragment per component, as with Relay, would otherwise pay for their layout).
  return [
    maxDepthRule({ ...options('depth', settings.maxDepth), ignoreIntrospection: true, flattenFragments: true }),
    maxDepthRule({ ...options('introspectionDepth', settings.maxIntrospectionDepth), ignoreIntrospection: false, flattenFragments: true }),
    maxAliasesRule(options('aliases', settings.maxAliases)),
    maxDirectivesRule(options('directives', settings.maxDirectives)),
    maxRootFieldsRule(settings.maxRootFields, onRefusal),
  ];
}

/**
 * At most `max` fields at the root of an operation, fragments included and
 * each alias counting: every root field is a separate piece of work (thirty
 * aliased `register` fields are thirty accounts), and none of graphql-armor's
 * limits counts them. Fields merged under one response key count once.
 */
function maxRootFieldsRule(max: number, onRefusal: OnRefusal): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const keys = new Set<string>();
      collectRootKeys(context, operation.selectionSet, keys, new Set());
      if (keys.size <= max) return;
      onRefusal('rootFields');
      context.reportError(structuralLimitError('rootFields', max, keys.size));
    },
  });
}

function collectRootKeys(context: ValidationContext, selectionSet: SelectionSetNode, keys: Set<string>, seen: Set<string>): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) collectRootKeys(context, selection.selectionSet, keys, seen);
    else if (!seen.has(selection.name.value)) {
      // Each fragment once: validation refuses cycles, and a fragment spread twice adds no new keys.
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) collectRootKeys(context, fragment.selectionSet, keys, seen);
    }
  }
}

const messages: Record<StructuralLimit, (max: number) => string> = {
  depth: (max) => `The operation nests fields deeper than ${max} levels.`,
  introspectionDepth: (max) => `The introspection query nests deeper than ${max} levels.`,
  aliases: (max) => `The operation uses more than ${max} aliases.`,
  directives: (max) => `The operation uses more than ${max} directives.`,
  rootFields: (max) => `The operation asks for more than ${max} fields at its root.`,
  tokens: (max) => `The document has more than ${max} tokens.`,
  characters: (max) => `The query is longer than ${max} characters.`,
};

/** The refusal of a document over a structural limit, as clients see it. */
export function structuralLimitError(limit: StructuralLimit, max: number, found?: number): OperationLimitExceededError {
  return new OperationLimitExceededError(limit, max, found, messages[limit](max));
}

/** What graphql-armor found, from its message (`... exceeded, found 12.`). */
function foundIn(message: string): number | undefined {
  const match = /found (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

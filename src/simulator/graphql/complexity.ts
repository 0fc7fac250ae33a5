/**
 * GitLab's GraphQL query complexity, computed the way GitLab computes it
 * (app/graphql/types/base_field.rb and app/graphql/resolvers/base_resolver.rb):
 *
 * - a plain field costs 1 plus the complexity of its selection;
 * - a field backed by a resolver costs its selection plus the resolver's own
 *   complexity (1, +1 with `sort`, +5 with `search`; the pipeline resolvers add
 *   2 for `sha` and 2 for `ref`), and a connection multiplies that by
 *   `1 + min(first, last, 100) × 1%` (0% when filtered by `iid`/`iids`), the
 *   result cut to a whole number.
 *
 * The limit is 250 for signed-in users and 300 for admins
 * (app/graphql/gitlab_schema.rb: AUTHENTICATED_MAX_COMPLEXITY, ADMIN_MAX_COMPLEXITY).
 */
import {
  getArgumentValues,
  getNamedType,
  isObjectType,
  isInterfaceType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export const AUTHENTICATED_MAX_COMPLEXITY = 250;
export const ADMIN_MAX_COMPLEXITY = 300;
/** `default_max_page_size` of GitLab's schema. */
export const MAX_PAGE_SIZE = 100;

/** Fields GitLab resolves with a resolver class, as `Type.field`. */
export type ResolverFields = ReadonlySet<string>;

interface Walk {
  schema: GraphQLSchema;
  resolvers: ResolverFields;
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
}

/** The complexity GitLab gives an operation. */
export function operationComplexity(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  resolvers: ResolverFields,
): number {
  const root =
    operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  return selectionComplexity(
    { schema, resolvers, variables, fragments },
    root,
    operation.selectionSet,
  );
}

function fieldDefinition(
  walk: Walk,
  parent: GraphQLNamedType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === '__schema') return SchemaMetaFieldDef;
  if (name === '__type') return TypeMetaFieldDef;
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

function selectionComplexity(
  walk: Walk,
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? (walk.schema.getType(selection.typeCondition.name.value) ?? parent)
        : parent;
      total += selectionComplexity(walk, type, selection.selectionSet);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments[selection.name.value];
      const type = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment && type) total += selectionComplexity(walk, type, fragment.selectionSet);
      continue;
    }
    const name = selection.name.value;
    if (name === '__typename') continue;
    const field = fieldDefinition(walk, parent, name);
    if (!field) continue;
    const child = selection.selectionSet
      ? selectionComplexity(walk, getNamedType(field.type), selection.selectionSet)
      : 0;
    if (!walk.resolvers.has(`${parent.name}.${name}`)) {
      total += 1 + child;
      continue;
    }
    const args = getArgumentValues(field, selection, walk.variables);
    total += resolverFieldComplexity(getNamedType(field.type).name, args, child);
  }
  return total;
}

function resolverFieldComplexity(
  typeName: string,
  args: Record<string, unknown>,
  child: number,
): number {
  let own = 1;
  if (args.sort !== undefined) own += 1;
  if (args.search !== undefined) own += 5;
  if (args.sha !== undefined) own += 2;
  if (args.ref !== undefined) own += 2;
  let complexity = child + own;
  if (typeName.endsWith('Connection')) {
    const limits = [args.first, args.last, MAX_PAGE_SIZE].filter(
      (n): n is number => typeof n === 'number',
    );
    const byId = args.iid !== undefined || args.iids !== undefined;
    complexity += complexity * Math.min(...limits) * (byId ? 0 : 0.01);
  }
  return Math.trunc(complexity);
}

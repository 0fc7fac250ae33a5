/**
 * Runs a GraphQL request against the discovery schema the way GitLab does:
 * parse, validate, refuse a query over the caller's complexity limit with
 * graphql-ruby's message, then execute. Every answer is HTTP 200 with
 * `data` and/or `errors`.
 */
import {
  executeSync,
  getOperationAST,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { ok, type ApiResponse, type RequestContext } from '../http.js';
import { isAdmin } from '../rules.js';
import {
  ADMIN_MAX_COMPLEXITY,
  AUTHENTICATED_MAX_COMPLEXITY,
  operationComplexity,
} from './complexity.js';
import { queryRoot, type GraphqlContext } from './resolvers.js';
import { discoverySchema, RESOLVER_FIELDS } from './schema.js';

/** Root fields this schema answers; anything else goes to the other GraphQL handlers. */
const SERVED = new Set(['jobs', 'projects', 'queryComplexity', '__type', '__schema', '__typename']);

function servedOperation(
  document: DocumentNode,
  operationName: string | undefined,
): OperationDefinitionNode | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== 'query') return undefined;
  const roots = operation.selectionSet.selections;
  const served = roots.every((s) => s.kind === Kind.FIELD && SERVED.has(s.name.value));
  return served ? operation : undefined;
}

/**
 * The answer to a discovery query, or undefined when the request is not one
 * (a mutation, or a query for fields this schema does not hold).
 */
export function serveDiscoveryQuery(ctx: RequestContext): ApiResponse | undefined {
  const source = typeof ctx.body.query === 'string' ? ctx.body.query : '';
  const operationName =
    typeof ctx.body.operationName === 'string' ? ctx.body.operationName : undefined;
  const variables = (ctx.body.variables ?? {}) as Record<string, unknown>;
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch {
    return undefined;
  }
  const operation = servedOperation(document, operationName);
  if (!operation) return undefined;

  const schema = discoverySchema(ctx.world.graphql);
  const invalid = validate(schema, document);
  if (invalid.length > 0) return ok({ errors: invalid.map((e) => ({ message: e.message })) });

  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  let score: number;
  try {
    score = operationComplexity(schema, operation, fragments, variables, RESOLVER_FIELDS);
  } catch (error) {
    return ok({ errors: [{ message: (error as Error).message }] });
  }
  const limit =
    ctx.world.graphql.maxComplexity ??
    (isAdmin(ctx.world, ctx.user.id) ? ADMIN_MAX_COMPLEXITY : AUTHENTICATED_MAX_COMPLEXITY);
  if (score > limit) {
    return ok({
      errors: [
        { message: `Query has complexity of ${score}, which exceeds max complexity of ${limit}` },
      ],
    });
  }

  const context: GraphqlContext = {
    world: ctx.world,
    userId: ctx.user.id,
    complexity: { score, limit },
  };
  const result = executeSync({
    schema,
    document,
    rootValue: queryRoot(context),
    contextValue: context,
    variableValues: variables,
    ...(operationName ? { operationName } : {}),
  });
  return ok({
    ...(result.data !== undefined ? { data: result.data } : {}),
    ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
  });
}

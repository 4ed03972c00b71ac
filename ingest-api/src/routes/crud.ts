import type { Static, TSchema } from 'typebox';
import { CairnError, OkResponse } from '@cairn/schemas';
import { authOf } from '../auth.js';
import type { ApiInstance } from '../types.js';
import { AUTH_ERRORS, AUTH_ERRORS_404 } from './common.js';

/**
 * The list / create / get / change / delete routes of a project's configuration records
 * (budgets, webhooks, review queues, keys): one shape for all — the caller's project from its
 * key, a 404 `CAIRN_NOT_FOUND` "no <noun> "<id>" in this project" for an id the project does not
 * have, 201 on create, `{ ok: true }` on delete. The spec gives the schemas (which also make the
 * OpenAPI document) and what each operation does with the store.
 */

interface Doc {
  summary: string;
  description?: string;
}

export interface CrudSpec<Rec, C extends TSchema, U extends TSchema> {
  /** The collection, e.g. `/api/budgets`; one record is `<path>/:<idParam>`. */
  path: string;
  tag: string;
  /** In the 404 message: `no <noun> "<id>" in this project`. */
  noun: string;
  /** The path parameters' schema, with `idParam` (default `id`). */
  params: TSchema;
  idParam?: string;
  /** The public record's schema (get and change answers). */
  item?: TSchema;
  /** One record of the project; undefined answers 404. */
  find?: (projectId: string, id: string) => Promise<Rec | undefined>;
  list?: Doc & { response: TSchema; load: (projectId: string) => Promise<unknown> };
  /** Answers 201 with what `run` returns. */
  create?: Doc & { body: C; response: TSchema; run: (projectId: string, body: Static<C>) => Promise<unknown> };
  get?: Doc & { answer: (rec: Rec) => unknown };
  /** Answers what `run` returns (the changed record, public). */
  update?: Doc & { body: U; run: (projectId: string, cur: Rec, body: Static<U>) => Promise<unknown> };
  /** `run` gets the record found; `byId` (no `find`) answers 404 when it returns false. */
  remove?: Doc & ({ run: (cur: Rec) => Promise<void> } | { byId: (projectId: string, id: string) => Promise<boolean> });
}

export interface CrudRoutes<Rec> {
  /** The project's record or a 404 `CAIRN_NOT_FOUND` (for the family's other routes). */
  found(projectId: string, id: string): Promise<Rec>;
}

export function registerCrudRoutes<Rec, C extends TSchema, U extends TSchema>(
  app: ApiInstance,
  spec: CrudSpec<Rec, C, U>,
): CrudRoutes<Rec> {
  const { path, tag, noun, params } = spec;
  const idParam = spec.idParam ?? 'id';
  const one = `${path}/:${idParam}`;
  const notFound = (id: string): CairnError => new CairnError('CAIRN_NOT_FOUND', `no ${noun} "${id}" in this project`);
  const found = async (projectId: string, id: string): Promise<Rec> => {
    const rec = await spec.find?.(projectId, id);
    if (rec === undefined) throw notFound(id);
    return rec;
  };
  const idOf = (p: unknown): string => (p as Record<string, string>)[idParam] ?? '';
  const doc = (d: Doc) => ({
    tags: [tag],
    summary: d.summary,
    ...(d.description !== undefined ? { description: d.description } : {}),
  });

  const { list, create, get, update, remove } = spec;
  if (list) {
    app.get(path, { schema: { ...doc(list), response: { 200: list.response, ...AUTH_ERRORS } } }, async (request) =>
      list.load(authOf(request).projectId),
    );
  }
  if (create) {
    app.post(
      path,
      { schema: { ...doc(create), body: create.body, response: { 201: create.response, ...AUTH_ERRORS } } },
      async (request, reply) => reply.status(201).send(await create.run(authOf(request).projectId, request.body as Static<C>)),
    );
  }
  if (get && spec.item) {
    app.get(one, { schema: { ...doc(get), params, response: { 200: spec.item, ...AUTH_ERRORS_404 } } }, async (request) =>
      get.answer(await found(authOf(request).projectId, idOf(request.params))),
    );
  }
  if (update && spec.item) {
    app.patch(
      one,
      { schema: { ...doc(update), params, body: update.body, response: { 200: spec.item, ...AUTH_ERRORS_404 } } },
      async (request) => {
        const { projectId } = authOf(request);
        const cur = await found(projectId, idOf(request.params));
        return update.run(projectId, cur, request.body as Static<U>);
      },
    );
  }
  if (remove) {
    app.delete(
      one,
      { schema: { ...doc(remove), params, response: { 200: OkResponse, ...AUTH_ERRORS_404 } } },
      async (request) => {
        const { projectId } = authOf(request);
        const id = idOf(request.params);
        if ('byId' in remove) {
          if (!(await remove.byId(projectId, id))) throw notFound(id);
        } else {
          await remove.run(await found(projectId, id));
        }
        return { ok: true as const };
      },
    );
  }
  return { found };
}

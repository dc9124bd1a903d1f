import { ApiError } from '@ferry/contracts';
import { StoreError, StoreErrorCode, type Enqueued } from '@ferry/store';
import { Router, type RequestHandler } from 'express';
import { batchRequestLimit, messageRequestLimit, type MessagePublisher, type MessagePublisherDeps } from '../../message-publisher';
import { toMessageStatus } from '../../message-view';
import { jsonBody, rawBodyOf } from '../../middleware/json-body';
import { toApiError } from '../../middleware/error-handler';
import { methodNotAllowed } from '../../middleware/fallback';
import { requireStore } from '../../middleware/require-store';
import { sendJson } from '../../send-json';

export interface MessagesRouteDeps extends Pick<MessagePublisherDeps, 'config' | 'store'> {
  /** Validates, checks and enqueues what is published; the route shapes the answer. */
  publisher: MessagePublisher;
  /** False while Redis is unreachable. */
  isStoreAvailable: () => boolean;
}

/** `/v1/messages`: publish, publish a batch, look up, cancel. */
export function messagesRouter(deps: MessagesRouteDeps): Router {
  const { store, publisher } = deps;
  const messageLimit = messageRequestLimit(deps.config);
  const batchLimit = batchRequestLimit(deps.config);
  const storeUp = requireStore(deps.isStoreAvailable);

  // The common case, POST /v1/messages with a plain JSON body, is answered by the fast path
  // (publish-fast-path.ts) before express; this route serves the others the same way.
  const publish: RequestHandler = async (req, res) => {
    const { id } = await publisher.publish(req.body, () => req.log, rawBodyOf(req));
    sendJson(res, 202, { messageId: id });
  };

  const publishBatch: RequestHandler = async (req, res) => {
    const { settled, enqueued } = await publisher.publishBatch(req.body, () => req.log, rawBodyOf(req));
    if (enqueued.length === settled.length) {
      res.status(202).json({ results: enqueued.map(({ id }) => ({ messageId: id })) });
      return;
    }
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (enqueued.length === 0) throw failed?.reason;
    req.log.error({ err: failed?.reason, accepted: enqueued.length, total: settled.length }, 'batch partly enqueued');
    throw partialBatch(settled);
  };

  const get: RequestHandler<{ id: string }> = async (req, res) => {
    const view = await store.get(req.params.id);
    if (view === undefined) throw messageNotFound(req.params.id);
    res.setHeader('Cache-Control', 'no-store').json(toMessageStatus(view));
  };

  const cancel: RequestHandler<{ id: string }> = async (req, res) => {
    const { id } = req.params;
    try {
      await store.cancel(id);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (err.code === StoreErrorCode.NotCancellable) {
        const state = (await store.get(id))?.record.state ?? 'finished';
        throw new ApiError('MESSAGE_NOT_CANCELLABLE', `Message ${id} is ${state} and can no longer be cancelled`, { state });
      }
      if (err.code === StoreErrorCode.NotFound) throw messageNotFound(id);
      throw err;
    }
    req.log.info({ messageId: id }, 'message cancelled');
    res.json({ messageId: id, state: 'cancelled' });
  };

  const router = Router();
  router.route('/messages').post(storeUp, jsonBody(messageLimit), publish).all(methodNotAllowed(['POST']));
  router
    .route('/messages/batch')
    .post(storeUp, jsonBody(batchLimit), publishBatch)
    .all(methodNotAllowed(['POST']));
  router.route('/messages/:id').get(storeUp, get).delete(storeUp, cancel).all(methodNotAllowed(['GET', 'HEAD', 'DELETE']));
  return router;
}

/**
 * Some messages of a batch are stored and some not: tell the sender which, so it retries only
 * those. When Redis refused the rest for lack of memory, the answer is 429 like any other
 * backpressure; otherwise 503.
 */
function partialBatch(settled: readonly PromiseSettledResult<Enqueued>[]): ApiError {
  const results = settled.map((outcome) => {
    if (outcome.status === 'fulfilled') return { messageId: outcome.value.id };
    const { code, message } = toApiError(outcome.reason);
    return { error: { code, message } };
  });
  const accepted = results.filter((result) => 'messageId' in result).length;
  const full = results.every(({ error }) => error === undefined || error.code === 'RATE_LIMITED');
  return new ApiError(
    full ? 'RATE_LIMITED' : 'SERVICE_UNAVAILABLE',
    `${accepted} of ${results.length} messages were accepted; details.results says which, retry the others`,
    { results },
  );
}

function messageNotFound(id: string): ApiError {
  const shown = id.length > 64 ? `${id.slice(0, 61)}...` : id;
  return new ApiError('MESSAGE_NOT_FOUND', `No message with id ${shown}`);
}

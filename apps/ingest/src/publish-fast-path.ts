import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '@ferry/runtime';
import type { IngestConfig } from './config';
import { messageRequestLimit, type MessagePublisher } from './message-publisher';
import type { IngestMetrics } from './metrics';
import { tokenCheck } from './middleware/auth';
import { answerError } from './middleware/error-handler';
import { timeRequest } from './middleware/http-metrics';
import { jsonBodyReader, rawBodyOf } from './middleware/json-body';
import { assignRequestId } from './middleware/request-id';
import { assertStoreAvailable } from './middleware/require-store';
import { sendJson } from './send-json';

export interface PublishFastPathDeps {
  config: IngestConfig;
  log: Logger;
  metrics: IngestMetrics;
  publisher: MessagePublisher;
  /** False while Redis is unreachable. */
  isStoreAvailable: () => boolean;
}

const ROUTE = '/v1/messages';
// What nearly every sender sends. Other spellings (a +json type, another charset, upper case)
// and a missing content type take the express route, which answers them as it always has.
const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * Answers `POST /v1/messages` with a plain JSON body before express sees it, and hands every
 * other request to `app`. Publishing is what a busy ingest does thousands of times a second,
 * and express's routing and middleware chain were about a fifth of its CPU. The steps are the
 * express route's, in its order and through the same functions: request id, timing, token,
 * store availability, body (same parser and limit), publish, the same answer or error envelope.
 */
export function withPublishFastPath(app: RequestListener, deps: PublishFastPathDeps): RequestListener {
  const { metrics, publisher, isStoreAvailable } = deps;
  const checkToken = tokenCheck(deps.config.apiToken);
  const readBody = jsonBodyReader(messageRequestLimit(deps.config));

  const publish = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = assignRequestId(req, res);
    timeRequest(metrics, ROUTE, req, res);
    let requestLog: Logger | undefined;
    const log = (): Logger => (requestLog ??= deps.log.child({ requestId }));
    try {
      checkToken(req, res);
      assertStoreAvailable(isStoreAvailable);
      const body = await readBody(req, res);
      const { id } = await publisher.publish(body, log, rawBodyOf(req));
      sendJson(res, 202, { messageId: id });
    } catch (err) {
      // As express does with an error after the answer began: nothing sensible left to send.
      if (res.headersSent) {
        log().error({ err }, 'request failed after its answer began');
        res.destroy();
        return;
      }
      answerError(err, res, { requestId, log, method: req.method, route: ROUTE, metrics });
    }
  };

  return (req, res) => {
    if (req.method === 'POST' && req.url === ROUTE && PLAIN_JSON_TYPES.has(req.headers['content-type'] ?? '')) {
      // Only a failure to write the error answer itself lands here.
      publish(req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'could not answer a publish request');
        res.destroy();
      });
      return;
    }
    app(req, res);
  };
}

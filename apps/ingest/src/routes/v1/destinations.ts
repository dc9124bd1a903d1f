import { ApiError, DestinationListQuery, DestinationOrigin, DestinationSettingsBody } from '@ferry/contracts';
import { getDestination, listDestinations, updateDestination, type DestinationChange, type Store } from '@ferry/store';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { toDestinationStatus } from '../../destination-view';
import { methodNotAllowed } from '../../middleware/fallback';
import { jsonBody } from '../../middleware/json-body';
import { requireStore } from '../../middleware/require-store';

export interface DestinationsRouteDeps {
  store: Store;
  /** False while Redis is unreachable. */
  isStoreAvailable: () => boolean;
}

// The origin travels URL-encoded in one path segment: /v1/destinations/https%3A%2F%2Fapi.example.com
const OriginParams = z.object({ origin: DestinationOrigin });
const SETTINGS_BODY_BYTES = 4 * 1024;

/** `/v1/destinations`: per-destination limits and state — list, look up, change. */
export function destinationsRouter(deps: DestinationsRouteDeps): Router {
  const { store } = deps;
  const storeUp = requireStore(deps.isStoreAvailable);

  const list: RequestHandler = async (req, res) => {
    const { limit } = DestinationListQuery.parse(req.query);
    const views = await listDestinations(store, limit);
    res.setHeader('Cache-Control', 'no-store').json({ destinations: views.map(toDestinationStatus) });
  };

  const get: RequestHandler<{ origin: string }> = async (req, res) => {
    const { origin } = OriginParams.parse(req.params);
    const view = await getDestination(store, origin);
    if (view === undefined) throw new ApiError('DESTINATION_NOT_FOUND', `No destination ${origin} has been used or configured`);
    res.setHeader('Cache-Control', 'no-store').json(toDestinationStatus(view));
  };

  const update: RequestHandler<{ origin: string }> = async (req, res) => {
    const { origin } = OriginParams.parse(req.params);
    // No body changes nothing, as `{}` does (a JSON `null` is still refused).
    const settings = DestinationSettingsBody.parse(req.body === undefined ? {} : req.body);
    const view = await updateDestination(store, origin, toChange(settings));
    req.log.info({ destination: origin, settings }, 'destination settings changed');
    res.setHeader('Cache-Control', 'no-store').json(toDestinationStatus(view));
  };

  const router = Router();
  router.route('/destinations').get(storeUp, list).all(methodNotAllowed(['GET', 'HEAD']));
  router
    .route('/destinations/:origin')
    .get(storeUp, get)
    .put(storeUp, jsonBody(SETTINGS_BODY_BYTES), update)
    .all(methodNotAllowed(['GET', 'HEAD', 'PUT']));
  return router;
}

/** The API names the rate per second for the reader; the store calls it `rate`. */
function toChange({ ratePerSecond, ...rest }: DestinationSettingsBody): DestinationChange {
  const change: DestinationChange = { ...rest };
  if (ratePerSecond !== undefined) change.rate = ratePerSecond;
  return change;
}

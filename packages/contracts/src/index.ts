export * from './errors';
export * from './duration';
export * from './message';
export * from './delivery';
export * from './destination';

// The agent's watch over its own mysqld: the GET_HEALTH facts and the loop that keeps them fresh.
// Imported as '…/health/index', never '…/health': a dist/ built before this folder existed
// still holds health.js, which require('./health') would load instead.
export * from './health';
export * from './health-watch';
export * from './health-events';
// The load balancers' endpoints (/writer, /reader, /health) on health_listen / health_http_listen.
export * from './lb-checks';
export * from './lb-inputs';
export * from './lb-server';

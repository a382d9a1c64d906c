// The agent's watch over its own mysqld: the GET_HEALTH facts and the loop that keeps them fresh.
export * from './health';
export * from './health-watch';

export * from './kill-host';

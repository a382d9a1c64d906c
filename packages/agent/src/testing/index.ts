export * from './fake-mysql';
export * from './fake-vips';

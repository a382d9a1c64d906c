export * from './fake-mysql';
export * from './fake-vips';
export * from './fake-nft';

export * from './ruleset';
export * from './windows';
export * from './nft';
export * from './vip-reject';
export * from './setting';

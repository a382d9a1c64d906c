export * from './role-table';
export * from './distribute';
export * from './balance';

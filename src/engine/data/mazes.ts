// The generator is pure TS and lives in src/shared so the extension's New Maze command can use it too.
export * from '../../shared/mazeGenerator';

import { memoryStore } from '../../src/index.js';
import { describeStoreContract } from './storeContract.js';

describeStoreContract('memory', () => Promise.resolve(memoryStore()));

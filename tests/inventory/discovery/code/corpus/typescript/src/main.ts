import { pairOf } from './service';

export const bootPair = pairOf(2048); // expect: RSA-2048 key_size=2048

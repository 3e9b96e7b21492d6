/** Store a checkpoint's weights as float16 (tfjs encoding): `npx tsx scripts/quantize-model.ts media/models/prefix-sums-ff` */
import { quantizeCheckpointFloat16 } from '../src/engine/checkpoint/quantize';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: quantize-model.ts <checkpoint directory>');
  process.exit(2);
}
quantizeCheckpointFloat16(dir).then(
  ({ before, after }) => console.log(`${dir}: weights.bin ${before} → ${after} bytes (float16)`),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

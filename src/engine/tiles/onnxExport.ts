/**
 * Export pieces of a 2-D DT/DT-recall/DT-L net (projection, one recurrent step, head) as ONNX graphs, so that
 * onnxruntime-node can run inference. No Python at run time: the ModelProto is written with the
 * tiny protobuf writer in protobuf.ts.
 *
 * The graphs take and return channels-last tensors, [N,H,W,C], exactly as the rest of the engine keeps them; they
 * transpose to NCHW inside (ORT's CPU Conv wants NCHW, and its optimizer turns Transpose+Conv chains into its
 * blocked NCHWc layout anyway). N, H and W are symbolic, so one session serves tiles and whole images alike.
 *
 * Field numbers below are those of onnx/onnx.proto (IR version 8, opset 17).
 */
import type { Architecture } from '../../shared/architecture';
import { hasRecall, headChannels } from '../../shared/architecture';
import { recurrentBlockSpecs } from '../models/dtNet';
import { residualPrefixes } from '../models/dtL';
import { ProtoWriter } from './protobuf';

export type OnnxGraphKind = 'project' | 'step' | 'head' | 'stepHead';

/** Input/output tensor names of the exported graphs. */
export const ONNX_NAMES = { x: 'x', thought: 'thought', next: 'next', logits: 'logits' } as const;

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT
const ATTR_INTS = 7; // AttributeProto.AttributeType.INTS

/** A small graph under construction: nodes, initializers and a name counter. */
class GraphBuilder {
  nodes: ProtoWriter[] = [];
  inits: ProtoWriter[] = [];
  private n = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  /** A node with one output; an attribute given as a number is an INT, as an array an INTS. */
  node(op: string, inputs: string[], attrs: Record<string, number | number[]> = {}): string {
    const out = this.fresh(op.toLowerCase());
    const nd = new ProtoWriter();
    for (const i of inputs) nd.string(1, i); // NodeProto.input
    nd.string(2, out); // NodeProto.output
    nd.string(3, out); // NodeProto.name
    nd.string(4, op); // NodeProto.op_type
    for (const [name, v] of Object.entries(attrs)) {
      // AttributeProto: name = 1, i = 3, ints = 8, type = 20
      const a = new ProtoWriter().string(1, name);
      if (typeof v === 'number') a.int(3, v).int(20, ATTR_INT);
      else a.packedInts(8, v).int(20, ATTR_INTS);
      nd.message(5, a);
    }
    this.nodes.push(nd);
    return out;
  }

  /** Initializer from a channels-last kernel [3,3,Cin,Cout] (HWIO) → ONNX Conv weight [Cout,Cin,3,3] (OIHW). */
  kernel(name: string, hwio: Float32Array, cin: number, cout: number): string {
    if (hwio.length !== 9 * cin * cout) {
      throw new Error(`onnx export: weight "${name}" has ${hwio.length} values, expected 3·3·${cin}·${cout}`);
    }
    const oihw = new Float32Array(hwio.length);
    for (let kh = 0; kh < 3; kh++)
      for (let kw = 0; kw < 3; kw++)
        for (let ci = 0; ci < cin; ci++)
          for (let co = 0; co < cout; co++) oihw[((co * cin + ci) * 3 + kh) * 3 + kw] = hwio[((kh * 3 + kw) * cin + ci) * cout + co];
    return this.constant(name, oihw, [cout, cin, 3, 3]);
  }

  /** Initializer of a float tensor with the given dims (a kernel, a bias [C], a scalar as [1]). */
  constant(name: string, values: Float32Array, dims: number[]): string {
    const t = new ProtoWriter();
    t.packedInts(1, dims); // TensorProto.dims
    t.int(2, FLOAT); // TensorProto.data_type
    t.string(8, name); // TensorProto.name
    // raw_data is little-endian; Float32Array is little-endian on every platform Node supports.
    t.bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.inits.push(t);
    return name;
  }

  conv(input: string, weight: string, bias?: string): string {
    // 3×3, stride 1, zero padding 1 == tfjs 'same' == PyTorch Conv2d(k=3, padding=1).
    return this.node('Conv', bias ? [input, weight, bias] : [input, weight], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
  }
}

/** ValueInfoProto for a float tensor [N,H,W,channels] with symbolic N, H, W. */
function nhwcValueInfo(name: string, channels: number): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of ['N', 'H', 'W']) shape.message(1, new ProtoWriter().string(2, d)); // Dimension.dim_param
  shape.message(1, new ProtoWriter().int(1, channels)); // Dimension.dim_value
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape); // TypeProto.Tensor: elem_type, shape
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, name).message(2, type); // ValueInfoProto: name, type
}

function weightOf(weights: Map<string, Float32Array>, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new Error(`onnx export: missing weight "${name}"`);
  return w;
}

/**
 * Build one ONNX model. `weights` are the net's channels-last values by PyTorch-style name as inference uses them
 * (DTNet.inferenceWeights(): for DT-L the recurrent kernels are already spectrally normalised).
 * - project:  x [N,H,W,in] → thought [N,H,W,width]           relu(conv(x))
 * - step:     (thought, x) → next                            the tied recurrent block (recall conv + residual blocks)
 * - head:     thought → logits [N,H,W,2]
 * - stepHead: (thought, x) → (next, logits)                  one dense iteration in one call
 */
export function exportOnnx(arch: Architecture, weights: Map<string, Float32Array>, kind: OnnxGraphKind): Uint8Array {
  if (arch.dims !== 2) throw new Error(`onnx export supports 2-D nets only, got dims ${arch.dims}`);
  if (arch.kind === 'feedforward') throw new Error('onnx export supports the tied (recurrent) nets only, not feedforward');
  const g = new GraphBuilder();
  const { width: w, inChannels: c } = arch;
  const toNchw = (t: string) => g.node('Transpose', [t], { perm: [0, 3, 1, 2] });
  const toNhwc = (t: string) => g.node('Transpose', [t], { perm: [0, 2, 3, 1] });
  const inputs: ProtoWriter[] = [];
  const outputs: ProtoWriter[] = [];
  const identityTo = (src: string, name: string) => {
    // Give a graph output its public name.
    const nd = new ProtoWriter().string(1, src).string(2, name).string(3, name).string(4, 'Identity');
    g.nodes.push(nd);
  };

  // A conv's bias, where inference has one (a DT-L net's batch norms folded into the conv before them).
  const biasOf = (kernelName: string, channels: number): string | undefined => {
    const name = kernelName.replace(/weight$/, 'bias');
    const b = weights.get(name);
    return b ? g.constant(name, b, [channels]) : undefined;
  };

  const head = (thought: string): string => {
    const dimsHead = headChannels(arch);
    let h = thought;
    ['head.0.weight', 'head.2.weight', 'head.4.weight'].forEach((name, i) => {
      h = g.conv(h, g.kernel(name, weightOf(weights, name), dimsHead[i], dimsHead[i + 1]), biasOf(name, dimsHead[i + 1]));
      if (i < 2) h = g.node('Relu', [h]);
    });
    return h;
  };

  // Mirrors DTLNet.step (dtL.ts) for 2-D, with the normalised kernels of inferenceWeights() baked in:
  // h = conv(concat[φ, x], K₀) + b, then per residual block h = elu((1 − t)·h + t·conv2(elu(conv1(h)))), t = sigmoid(m).
  const stepDtl = (thought: string, x: string): string => {
    const specs = recurrentBlockSpecs(arch, 'recur_block');
    const cat = g.node('Concat', [thought, x], { axis: 1 });
    const bias = g.constant('recur_block.0.bias', weightOf(weights, 'recur_block.0.bias'), [w]);
    let h = g.conv(cat, g.kernel(specs[0].name, weightOf(weights, specs[0].name), w + c, w), bias);
    residualPrefixes(arch).forEach((p, b) => {
      const n1 = specs[1 + 2 * b].name;
      const n2 = specs[2 + 2 * b].name;
      const inner = g.conv(g.node('Elu', [g.conv(h, g.kernel(n1, weightOf(weights, n1), w, w))]), g.kernel(n2, weightOf(weights, n2), w, w));
      const t = 1 / (1 + Math.exp(-weightOf(weights, `${p}.mix`)[0]));
      const keep = g.constant(`${p}.keep`, Float32Array.of(1 - t), [1]);
      const take = g.constant(`${p}.take`, Float32Array.of(t), [1]);
      h = g.node('Elu', [g.node('Add', [g.node('Mul', [h, keep]), g.node('Mul', [inner, take])])]);
    });
    return h;
  };

  const step = (thought: string, x: string): string => {
    if (arch.kind === 'dt-l') return stepDtl(thought, x);
    // Mirrors applyRecurrentBlock (dtNet.ts) for 2-D: [recall conv, no ReLU] then residual blocks
    // relu(conv2(relu(conv1(h))) + h). Names come from recurrentBlockSpecs in the same order.
    const specs = recurrentBlockSpecs(arch, 'recur_block');
    let k = 0;
    let h = thought;
    if (hasRecall(arch)) {
      const cat = g.node('Concat', [thought, x], { axis: 1 }); // torch.cat([thought, x], 1)
      h = g.conv(cat, g.kernel(specs[k].name, weightOf(weights, specs[k].name), w + c, w));
      k++;
    }
    for (let b = 0; b < arch.blocks; b++) {
      const n1 = specs[k++].name;
      const n2 = specs[k++].name;
      const a = g.node('Relu', [g.conv(h, g.kernel(n1, weightOf(weights, n1), w, w))]);
      const s = g.conv(a, g.kernel(n2, weightOf(weights, n2), w, w));
      h = g.node('Relu', [g.node('Add', [s, h])]);
    }
    return h;
  };

  if (kind === 'project') {
    inputs.push(nhwcValueInfo(ONNX_NAMES.x, c));
    const p = g.node('Relu', [g.conv(toNchw(ONNX_NAMES.x), g.kernel('projection.0.weight', weightOf(weights, 'projection.0.weight'), c, w), biasOf('projection.0.weight', w))]);
    identityTo(toNhwc(p), ONNX_NAMES.thought);
    outputs.push(nhwcValueInfo(ONNX_NAMES.thought, w));
  } else if (kind === 'head') {
    inputs.push(nhwcValueInfo(ONNX_NAMES.thought, w));
    identityTo(toNhwc(head(toNchw(ONNX_NAMES.thought))), ONNX_NAMES.logits);
    outputs.push(nhwcValueInfo(ONNX_NAMES.logits, 2));
  } else {
    inputs.push(nhwcValueInfo(ONNX_NAMES.thought, w), nhwcValueInfo(ONNX_NAMES.x, c));
    const next = step(toNchw(ONNX_NAMES.thought), toNchw(ONNX_NAMES.x));
    identityTo(toNhwc(next), ONNX_NAMES.next);
    outputs.push(nhwcValueInfo(ONNX_NAMES.next, w));
    if (kind === 'stepHead') {
      identityTo(toNhwc(head(next)), ONNX_NAMES.logits);
      outputs.push(nhwcValueInfo(ONNX_NAMES.logits, 2));
    }
  }

  const graph = new ProtoWriter();
  for (const nd of g.nodes) graph.message(1, nd); // GraphProto.node
  graph.string(2, `dt_${kind}`); // GraphProto.name
  for (const t of g.inits) graph.message(5, t); // GraphProto.initializer
  for (const i of inputs) graph.message(11, i); // GraphProto.input
  for (const o of outputs) graph.message(12, o); // GraphProto.output

  const model = new ProtoWriter();
  model.int(1, 8); // ModelProto.ir_version
  model.string(2, 'deep-thinking-lab'); // producer_name
  model.string(3, '0.1'); // producer_version
  model.message(7, graph); // graph
  model.message(8, new ProtoWriter().string(1, '').int(2, 17)); // opset_import: default domain, opset 17
  return model.finish();
}

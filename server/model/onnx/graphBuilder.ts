/**
 * A small builder for ONNX graphs: named inputs/outputs, initializers and nodes, serialized with the
 * `onnx-proto` protobuf definitions. Value names are generated from the node names so a graph dump reads
 * like the model (`/layers.0/attn/q_proj/MatMul`).
 */
import { onnx } from 'onnx-proto';
import type { FloatTensor } from '../tensor';
import type { ExternalDataWriter } from './externalData';

export const ElementType = { float: onnx.TensorProto.DataType.FLOAT, uint8: onnx.TensorProto.DataType.UINT8, int32: onnx.TensorProto.DataType.INT32, int64: onnx.TensorProto.DataType.INT64 } as const;
export type ElementType = (typeof ElementType)[keyof typeof ElementType];

/** Attribute values carry their ONNX type explicitly: a float attribute may hold an integral value. */
export type Attribute = { f: number } | { i: number } | { ints: number[] } | { s: string } | { graph: onnx.IGraphProto };

/** Opsets the graphs use: ONNX 21 (Gelu with `approximate`) and ONNX Runtime's contrib domain. */
const opsets = [
  { domain: '', version: 21 },
  { domain: 'com.microsoft', version: 1 },
];

function toAttributeProto(name: string, value: Attribute): onnx.IAttributeProto {
  const Type = onnx.AttributeProto.AttributeType;
  if ('f' in value) return { name, type: Type.FLOAT, f: value.f };
  if ('i' in value) return { name, type: Type.INT, i: value.i };
  if ('ints' in value) return { name, type: Type.INTS, ints: value.ints };
  if ('graph' in value) return { name, type: Type.GRAPH, g: value.graph };
  return { name, type: Type.STRING, s: Buffer.from(value.s, 'utf8') };
}

function valueInfo(name: string, elemType: ElementType, dims: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

export interface NodeOptions {
  domain?: 'com.microsoft';
  /** Number of outputs (default 1); names are derived from the node name. */
  outputs?: number;
  /** Exact output names, for graph outputs. */
  outputNames?: string[];
}

/** What a graph shares with its subgraphs: one list of initializers, one set of constants and node names. */
interface SharedState {
  initializers: onnx.ITensorProto[];
  constants: Map<string, string>;
  usedNames: Set<string>;
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[];
  private readonly constants: Map<string, string>;
  private readonly usedNames: Set<string>;

  /** With `externalData`, weights go to that file as they are added (models over the 2 GB protobuf limit). */
  constructor(
    private readonly externalData?: ExternalDataWriter,
    shared: SharedState = { initializers: [], constants: new Map(), usedNames: new Set() },
  ) {
    ({ initializers: this.initializers, constants: this.constants, usedNames: this.usedNames } = shared);
  }

  /**
   * A subgraph (an `If` branch) built by `build`, whose nodes may read this graph's values; its weights and constants
   * are this graph's initializers. `build` returns the branch's float outputs.
   */
  branch(name: string, build: (branch: GraphBuilder) => string[]): onnx.IGraphProto {
    const branch = new GraphBuilder(this.externalData, { initializers: this.initializers, constants: this.constants, usedNames: this.usedNames });
    const outputs = build(branch);
    return { name, node: branch.nodes, output: outputs.map((output) => ({ name: output, type: { tensorType: { elemType: ElementType.float } } })) };
  }

  input(name: string, elemType: ElementType, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: ElementType, dims: readonly (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 weight as raw little-endian data, inline or in the external data file. */
  weight(name: string, tensor: FloatTensor): string {
    return this.initializer(name, ElementType.float, tensor.shape, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }

  /** A uint8 weight (packed quantized codes), inline or in the external data file. */
  uint8Weight(name: string, data: Uint8Array, dims: readonly number[]): string {
    return this.initializer(name, ElementType.uint8, dims, data);
  }

  private initializer(name: string, dataType: ElementType, dims: readonly number[], bytes: Uint8Array): string {
    const initializer: onnx.ITensorProto = { name, dataType, dims: [...dims] };
    if (this.externalData) {
      initializer.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      initializer.externalData = this.externalData.append(bytes);
    } else {
      initializer.rawData = bytes;
    }
    this.initializers.push(initializer);
    return name;
  }

  /** A float32 constant, shared between all uses of the same value and shape. */
  floats(values: readonly number[], dims: readonly number[] = []): string {
    return this.constant(ElementType.float, new Uint8Array(Float32Array.from(values).buffer), dims, values);
  }

  /** An int64 constant (shapes, axes, indices); `dims` defaults to a 1-D tensor. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(ElementType.int64, new Uint8Array(BigInt64Array.from(values, BigInt).buffer), dims, values);
  }

  private constant(dataType: ElementType, rawData: Uint8Array, dims: readonly number[], values: readonly number[]): string {
    const key = `${dataType}:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = `const_${this.constants.size}`;
      this.constants.set(key, name);
      this.initializers.push({ name, dataType, dims: [...dims], rawData });
    }
    return name;
  }

  /** Adds a node and returns its output value names. */
  node(opType: string, name: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, options: NodeOptions = {}): string[] {
    if (this.usedNames.has(name)) throw new Error(`duplicate ONNX node name ${name}`);
    this.usedNames.add(name);
    const outputs = options.outputNames ?? Array.from({ length: options.outputs ?? 1 }, (_, i) => `${name}/output_${i}`);
    this.nodes.push({
      opType,
      name,
      domain: options.domain ?? '',
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => toAttributeProto(key, value)),
    });
    return outputs;
  }

  /** Adds a single-output node and returns its output value name. */
  op(opType: string, name: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, options: NodeOptions = {}): string {
    return this.node(opType, name, inputs, attributes, options)[0];
  }

  toModel(graphName: string): onnx.IModelProto {
    return {
      irVersion: 10,
      producerName: 'rook',
      opsetImport: opsets,
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
  }

  serialize(graphName: string): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(graphName)).finish();
  }
}

// Builds model.onnx in a model folder with Rook's own graph builder (compiled TypeScript in out/), so the shipped
// graph is exactly what `rook convert` would produce. Usage: node training/build-onnx.cjs <model folder> [int8|int4|none]
const path = require('node:path');
const { buildOnnxModel } = require(path.join(__dirname, '..', 'out', 'server', 'model', 'build.js'));

const [folder, quant = 'none'] = process.argv.slice(2);
if (!folder || !['int8', 'int4', 'none'].includes(quant)) {
  console.error('usage: node training/build-onnx.cjs <model folder with config.json and model.safetensors> [int8|int4|none]');
  process.exit(2);
}
console.log(buildOnnxModel(path.resolve(folder), { quant }));

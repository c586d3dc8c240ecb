/** A model folder's small shape for seeds: every part of the Grok graph, with rows of 32 (one Q4_0/Q8_0 block). */
export const seedShape = { hiddenSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 16, numExperts: 2, numExpertsPerToken: 2, expertFfnSize: 32, contextLength: 64 };

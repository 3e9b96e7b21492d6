/**
 * Names of the fused kernels a backend may implement (the torch backend does): the model and the optimizer ask for
 * them by name, the backend registers them. A file of its own, without imports, so the backend's kernels need not
 * import the model (which imports tf.ts, which loads the backend).
 * Contracts: models/fusedRecurrentBlock.ts (the recurrent block) and train/fusedAdam.ts (Adam, gradient norm).
 */
export const FUSED_BLOCK_KERNEL = 'DtRecurBlock';
export const FUSED_BLOCK_GRAD_KERNEL = 'DtRecurBlockGrad';
export const FUSED_ADAM_KERNEL = 'DtAdam';
export const SUM_SQUARES_KERNEL = 'DtSumSquares';

package federated

import "slices"

// MaxBatch is the largest mini-batch a vertical run takes (the stride of its packing).
const MaxBatch = 256

func sortBy(idx []int, key func(int) int) {
	slices.SortFunc(idx, func(a, b int) int { return key(a) - key(b) })
}

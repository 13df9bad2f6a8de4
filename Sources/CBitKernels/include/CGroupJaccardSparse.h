#ifndef CGROUPJACCARDSPARSE_H
#define CGROUPJACCARDSPARSE_H

#include <stdint.h>

/// Group Jaccard kernels for the exact silhouette under `groupjaccard`, reading only what a query row
/// has: its groups and its non-zero words.

/// cbk_group_jaccard from a query x to rows first ..< first + count into out[0 ..< count], the rows
/// stored word by word: word w of row r at bits[w * stride + r], its count of group g at
/// ones[g * stride + r], word m of its mask of the groups it has (bit g % 64 of word g / 64) at
/// masks[m * stride + r], the number of groups it has at groups_y[r].
///
/// x is given sparsely: the groups it has, ascending (x_group, their counts x_ones, x_groups of them;
/// as a mask, x_mask, mask_words words), and its non-zero words group by group (x_word_index, x_word:
/// slot k's are x_word_end[k - 1] ..< x_word_end[k], from 0). The same doubles as cbk_group_jaccard: a
/// group only y has adds 0/|y_g| = +0 to a sum that is never negative, which leaves it as it was, and
/// it only counts among the groups either row has (groups_y less the groups both have).
void cbk_group_jaccard_sparse_words(const int32_t *x_group, const int32_t *x_ones, const int32_t *x_word_end,
                                    int64_t x_groups, const int32_t *x_word_index, const uint64_t *x_word,
                                    const uint64_t *x_mask, int64_t mask_words, const uint64_t *bits,
                                    const int32_t *ones, const uint64_t *masks, const int32_t *groups_y,
                                    int64_t stride, int64_t first, int64_t count, double *out);

/// The sums behind GroupJaccardMeanBounds for one query, over `buckets` buckets (a multiple of 8).
///
/// For each of the query's groups k (row_group[k], with row_ones[k] ones, its columns columns[
/// column_end[k - 1] ..< column_end[k]]): F[b] = Σ over those columns of how many rows of bucket b have
/// it, S[b] = how many of them bucket b has at all; a column is a row of `dense` (dense_of_column[c] ≥ 0,
/// `buckets` counts) or a list of entries (entry_start[c] ..< entry_start[c + 1] of entry_bucket,
/// entry_count). Then with t = min(S, most), U = max(a, least, a + least − t) (least and most: the
/// group's row of `least`, `most`, groups × buckets), sum[b] += min(t, F / size[b]) / U, and counted[b]
/// += 1 when least is 0. `f` and `s` are scratch of `buckets` values; sum and counted are the caller's.
void cbk_mean_bound_sums(int64_t buckets, int64_t row_groups, const int32_t *row_group, const int32_t *row_ones,
                         const int32_t *column_end, const int32_t *columns, const int32_t *dense_of_column,
                         const int32_t *dense, const int64_t *entry_start, const int32_t *entry_bucket,
                         const int32_t *entry_count, const int32_t *least, const int32_t *most, const double *size,
                         int64_t *f, int32_t *s, double *sum, int32_t *counted);

#endif

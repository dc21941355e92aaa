/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A hash table in arena memory, in the shape of the kernel selftests'
 * bpf_arena_htab.h (written for these tests, not copied): nodes come from
 * bpf_alloc() and go back with bpf_free(), each bucket is a list of nodes,
 * and the one header serves the BPF program that builds the table and the
 * user-space loader that reads it by following the pointers the program
 * stored. It includes "bpf_arena_alloc.h" as such programs do: the build
 * decides whose (arenad's drop-in from include/arenad, or the page-frag
 * floor from bench/pagefrag).
 */
#ifndef __OBJ_HTAB_H
#define __OBJ_HTAB_H

#include "bpf_arena_alloc.h"

#define HTAB_BUCKETS	64	/* a power of two */
#define HTAB_MAX_CHAIN	4096	/* what a lookup walks at most */

struct htab_node {
	struct htab_node __arena *next;
	int key;
	int value;
	int len;		/* payload bytes: nodes of several sizes */
	char payload[];
};
typedef struct htab_node __arena htab_node_t;

struct htab_bucket {
	htab_node_t *head;
};
typedef struct htab_bucket __arena htab_bucket_t;

struct htab {
	htab_bucket_t *buckets;
	int n_buckets;
	int n_elems;
};
typedef struct htab __arena htab_t;

static inline unsigned int htab_hash(int key)
{
	return (unsigned int)key * 2654435761u;
}

static inline htab_bucket_t *htab_bucket(htab_t *htab, int key)
{
	return &htab->buckets[htab_hash(key) & (htab->n_buckets - 1)];
}

#if defined(__BPF__) || defined(__bpf__)
/* A new table, its buckets zeroed (bpf_alloc() memory may be reused). */
static inline htab_t *htab_create(void)
{
	htab_t *htab = bpf_alloc(sizeof(*htab));
	int i;

	if (!htab)
		return NULL;
	htab->buckets = bpf_alloc(HTAB_BUCKETS * sizeof(struct htab_bucket));
	if (!htab->buckets) {
		bpf_free(htab);
		return NULL;
	}
	/* one store per bucket: a loop LLVM turns into a memset would lose
	 * the address-space casts (volatile keeps them) */
	for (i = 0; i < HTAB_BUCKETS; i++)
		*(htab_node_t * volatile __arena *)&htab->buckets[i].head = NULL;
	htab->n_buckets = HTAB_BUCKETS;
	htab->n_elems = 0;
	return htab;
}

/* The node before key's in its bucket's list (its link), or NULL. */
static inline htab_node_t * __arena *htab_link(htab_t *htab, int key)
{
	htab_node_t * __arena *link = &htab_bucket(htab, key)->head;
	int i;

	bpf_for(i, 0, HTAB_MAX_CHAIN) {
		htab_node_t *n = *link;

		if (!n || n->key == key)
			return link;
		link = &n->next;
	}
	return NULL;
}

/* Insert or replace key; a node of len payload bytes. 0 or -ENOMEM. */
static inline int htab_update_elem(htab_t *htab, int key, int value, int len)
{
	htab_node_t * __arena *link = htab_link(htab, key);
	htab_node_t *n, *old;
	int i;

	if (!link)
		return -E2BIG;
	n = bpf_alloc(sizeof(*n) + len);
	if (!n)
		return -ENOMEM;
	n->key = key;
	n->value = value;
	n->len = len;
	bpf_for(i, 0, len)
		*(volatile char __arena *)&n->payload[i & 4095] = (char)(key + i);
	old = *link;
	if (old) {
		n->next = old->next;
		*link = n;
		bpf_free(old);
	} else {
		n->next = NULL;
		*link = n;
		htab->n_elems++;
	}
	return 0;
}

static inline int htab_delete_elem(htab_t *htab, int key)
{
	htab_node_t * __arena *link = htab_link(htab, key);
	htab_node_t *n;

	if (!link || !*link)
		return -ENOENT;
	n = *link;
	*link = n->next;
	htab->n_elems--;
	bpf_free(n);
	return 0;
}
#endif

#endif /* __OBJ_HTAB_H */

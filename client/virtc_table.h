/* virtc_table.h: text tables laid out the way virsh lays them out (list, net-list, pool-list).
 * Every cell is " TEXT", padded to its column's widest cell plus two spaces (the last column
 * is not padded); under the header a line of dashes, widest cell + 3 per column. */
#ifndef VIRTC_TABLE_H
#define VIRTC_TABLE_H

#include <stdio.h>
#include <stddef.h>

typedef struct virtc_table virtc_table;

/* A table with the header cells given (NULL-terminated list). NULL when out of memory. */
virtc_table *virtc_table_new(const char *first, ...);
/* Appends one row: exactly as many cells as the header (NULL-terminated). Cells are copied.
 * Returns 0, or -1 when out of memory or the cell count is wrong. */
int virtc_table_add_row(virtc_table *table, const char *first, ...);
/* Writes header, dashes and rows to out. */
void virtc_table_print(const virtc_table *table, FILE *out);
void virtc_table_free(virtc_table *table);

#endif

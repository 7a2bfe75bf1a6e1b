/* domain_metadata.h: a domain's <metadata> element, as libvirt keeps and prints it.
 *
 * libvirt stores each application's metadata as one element in the application's namespace
 * (prefix = the key given to virDomainSetMetadata, xmlns:KEY = its URI) and prints it with
 * libxml2's own serializer: double-quoted attributes, two-space indentation. The elements are
 * kept as an xml_tree: mixed text and element content is not modelled.
 */
#ifndef FL_DOMAIN_METADATA_H
#define FL_DOMAIN_METADATA_H

#include "xml_tree.h"

/* Writes <metadata> with its elements at level 1 (nothing when md is NULL or empty). */
void domain_metadata_write(xml_buf *buf, const xml_node *md);

/* The element of namespace uri, printed without its prefix and xmlns (what
 * virDomainGetMetadata answers): a malloc'd string, or NULL when there is none (*oom set when
 * memory ran out). */
char *domain_metadata_get(const xml_node *md, const char *uri, int *oom);

/* Replaces (or, xml NULL, removes) the element of namespace uri in *md, creating or freeing the
 * <metadata> node as needed. xml is one element, put into the namespace uri with prefix key.
 * Returns 0, -1 with a message in err for XML that does not parse, -2 when memory ran out. */
int domain_metadata_set(xml_node **md, const char *xml, const char *key, const char *uri,
                        char *err, size_t errlen);

#endif

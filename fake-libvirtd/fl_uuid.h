/* fl_uuid.h: UUIDs as libvirt writes them (36 characters with dashes; parsing also takes them
 * without dashes and with surrounding blanks), and random version 4 UUIDs. */
#ifndef FL_UUID_H
#define FL_UUID_H

/* "6695eb01-f6a4-..." <-> 16 bytes. Parsing accepts the 32 hex digits with or without dashes. */
int fl_uuid_parse(const char *s, unsigned char uuid[16]);
void fl_uuid_format(const unsigned char uuid[16], char out[37]);
void fl_uuid_generate(unsigned char uuid[16]);

#endif

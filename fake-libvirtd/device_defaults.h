/* device_defaults.h: the defaults libvirt 9.0's domain parser (with the test driver) adds to
 * the common devices of a newly defined domain, so that dumpxml prints what libvirtd prints:
 *  - interfaces without <mac> get 52:54:00:xx:xx:xx;
 *  - disks without a target bus get the bus their name implies (hd ide, sd scsi, vd virtio,
 *    xvd xen, fd fdc, ubd uml); ide/scsi/sata/fdc disks get a drive <address> and the implicit
 *    <controller> elements they need;
 *  - serial ports get <target port='N'/>, consoles <target type='serial' port='0'/>, and a
 *    console without serial port (or the reverse) gets its twin;
 *  - VNC graphics get port/autoport and <listen type='address'/>; graphics without video get
 *    the default cirrus video; vga/cirrus/qxl video models get their default sizes.
 * Devices it does not know stay as given.
 */
#ifndef FL_DEVICE_DEFAULTS_H
#define FL_DEVICE_DEFAULTS_H

#include "xml_tree.h"

/* Applies the defaults to a <devices> element in place (hvm guests). Returns 0, or -1 if an
 * allocation failed (the tree is then partially filled but consistent). */
int device_defaults_apply(xml_node *devices);

/* libvirt's virDiskNameToIndex: "hda" -> 0, "sdj" -> 9, "vdaa" -> 26; -1 if not a disk name. */
int device_disk_name_index(const char *name);

#endif

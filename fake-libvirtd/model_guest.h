/* model_guest.h: metadata, rename, save/restore, managed save and core dumps of the model's
 * domains, as libvirt 9.0's test driver does them (src/test/test_driver.c). Errors are
 * libvirt's (code, domain, message); each call emits the test driver's lifecycle events.
 */
#ifndef FL_MODEL_GUEST_H
#define FL_MODEL_GUEST_H

#include "model.h"

/* virDomainMetadataType */
enum { FL_METADATA_DESCRIPTION = 0, FL_METADATA_TITLE = 1, FL_METADATA_ELEMENT = 2 };

/* virDomainGetMetadata: a malloc'd string, or NULL with err (VIR_ERR_NO_DOMAIN_METADATA when
 * there is none). flags: VIR_DOMAIN_AFFECT_LIVE 1 / CONFIG 2. */
char *fl_guest_get_metadata(fl_domain *d, int type, const char *uri, unsigned flags,
                            vw_virerror *err);
/* virDomainSetMetadata (NULL or "" metadata removes it). Returns 0 or -1 with err. */
int fl_guest_set_metadata(fl_domain *d, int type, const char *metadata, const char *key,
                          const char *uri, unsigned flags, vw_virerror *err);

/* testDomainRename: an inactive persistent domain gets new_name (Undefined Renamed, then
 * Defined Renamed). Returns 0 or -1 with err. */
int fl_guest_rename(fl_model *m, fl_domain *d, const char *new_name, vw_virerror *err);

/* testDomainSaveFlags: writes the test driver's image (magic, length, live XML) to path and
 * stops d with reason SAVED. d may be freed (a transient domain). Returns 0 or -1. */
int fl_guest_save(fl_model *m, fl_domain *d, const char *path, vw_virerror *err);
/* testDomainRestoreFlags: starts the domain of the image at path with reason RESTORED. */
fl_domain *fl_guest_restore(fl_model *m, const char *path, vw_virerror *err);
/* The image's domain XML (inactive, as the test driver formats it): malloc'd, or NULL. */
char *fl_guest_save_image_xml(const char *path, vw_virerror *err);
/* testDomainSaveImageDefineXML: replaces the image's XML with xml (same uuid and name). */
int fl_guest_save_image_define(const char *path, const char *xml, vw_virerror *err);
/* testDomainManagedSave: stops d with reason SAVED and marks its managed save image. */
int fl_guest_managed_save(fl_model *m, fl_domain *d, vw_virerror *err);
/* testDomainCoreDumpWithFormat: writes the magic to path; VIR_DUMP_CRASH (1) stops d with
 * reason CRASHED. d may be freed. */
int fl_guest_core_dump(fl_model *m, fl_domain *d, const char *path, unsigned format,
                       unsigned flags, vw_virerror *err);

/* testDomainFSFreeze / testDomainFSThaw: the mount points "/" and "/boot" (all of them when
 * count is 0); returns how many changed state, or -1 with err. */
int fl_guest_fs_freeze(fl_domain *d, char **mountpoints, unsigned count, bool freeze,
                       vw_virerror *err);
/* testDomainFSTrim: only checks the mount point (NULL = all). */
int fl_guest_fs_trim(fl_domain *d, const char *mountpoint, vw_virerror *err);
/* testDomainGetFSInfo: "/" and "/boot" on the first disk device (its target name in *dev,
 * not to be freed), or 0 file systems without one. Returns the count or -1. */
int fl_guest_fs_info(fl_domain *d, const char **dev, vw_virerror *err);
/* testDomainGetTime / testDomainSetTime. */
int fl_guest_get_time(fl_domain *d, long long *seconds, unsigned *nseconds, vw_virerror *err);
int fl_guest_set_time(fl_domain *d, long long seconds, unsigned nseconds, vw_virerror *err);
/* Fails with "domain is not running" (VIR_FROM_DOMAIN) for an inactive domain. */
int fl_guest_check_active(const fl_domain *d, vw_virerror *err);
/* virDomainSetLifecycleAction's argument checks, then testDomainSetLifecycleAction: type 0 poweroff, 1 reboot, 2 crash; action 0 destroy,
 * 1 restart, 2 rename-restart, 3 preserve, 4 coredump-destroy, 5 coredump-restart. */
int fl_guest_check_lifecycle(unsigned type, unsigned action, vw_virerror *err);
int fl_guest_set_lifecycle_action(fl_domain *d, unsigned type, unsigned action,
                                  unsigned flags, vw_virerror *err);

/* One interface's address as testDomainInterfaceAddresses makes it up. */
typedef struct {
    const char *name, *hwaddr;   /* into the domain's definition */
    int type;                    /* VIR_IP_ADDR_TYPE_IPV4 0 / IPV6 1 */
    char addr[64];
    unsigned prefix;
} fl_guest_iface;

/* The addresses of an active domain's interfaces: on a libvirt network the first address of
 * its DHCP range (or its own address) plus 20 * (id - 1) + index + 1, else 192.168.0.(index+1)
 * /24. More than max interfaces is libvirtd's error. Returns a malloc'd array (*count set;
 * NULL when none) or NULL with err (*count -1). */
fl_guest_iface *fl_guest_interface_addresses(fl_model *m, fl_domain *d, int max, int *count,
                                             vw_virerror *err);

#endif

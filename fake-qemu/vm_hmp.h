/* vm_hmp.h: human-monitor-command, the few HMP commands fake-qemu knows (info status, version,
 * name, uuid, kvm; stop, cont, system_reset, system_powerdown), answered through the QMP
 * commands of the VM model as QEMU's HMP does. */
#ifndef FQ_VM_HMP_H
#define FQ_VM_HMP_H

#include <stddef.h>
#include <jansson.h>

#include "vm_model.h"

/* FQ_VM_OK with *ret the HMP output (a new string), or FQ_VM_ERROR (a bad cpu-index). */
int fq_vm_hmp(fq_vm *vm, const char *line, const json_t *cpu_index, json_t **ret,
              const char **err_class, char *desc, size_t desclen);

#endif

/* default_state.h: the built-in default state's documents (libvirt test driver default). */
#ifndef FL_DEFAULT_STATE_H
#define FL_DEFAULT_STATE_H

extern const char fl_default_capabilities[];
extern const char fl_default_sysinfo[];
extern const char fl_default_domain_xml[];
extern const char fl_default_network_xml[];
extern const char fl_default_pool_xml[];
extern const char fl_default_interface_xml[];

#endif

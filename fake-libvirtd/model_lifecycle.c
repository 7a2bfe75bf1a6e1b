/* model_lifecycle.c: a domain's state and transitions in the fake hypervisor's model (see
 * model.h): define, create, undefine, start, destroy, shutdown, reboot, suspend, resume,
 * migration in and out, autostart and memory, with the lifecycle events each one emits. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

bool fl_domain_is_active(const fl_domain *dom)
{
    return dom->id >= 0;
}

unsigned long long fl_domain_cpu_time(const fl_domain *dom)
{
    (void)dom;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (unsigned long long)tv.tv_sec * 1000000000ULL + (unsigned long long)tv.tv_usec * 1000ULL;
}

char *fl_domain_xml(const fl_domain *dom, unsigned flags)
{
    bool inactive = (flags & 2) != 0;
    if (inactive && dom->next_def)
        return domain_def_format(dom->next_def, -1, true, false);
    /* libvirt's test driver formats the live definition when there is no pending config,
     * generated testnetN interface names included */
    return domain_def_format(dom->def, fl_domain_is_active(dom) ? dom->id : -1, inactive, false);
}


/* Stops a domain; a transient one disappears (the caller must not use it afterwards when
 * the return value is 1). */
static int set_stopped(fl_model *m, fl_domain *d, int reason, int detail)
{
    fl_model_set_id(m, d, -1);
    d->state = FL_STATE_SHUTOFF;
    d->reason = reason;
    if (d->next_def && d->persistent) {
        /* the persistent config defined while the domain ran takes effect now */
        domain_def_free(d->def);
        d->def = d->next_def;
        d->next_def = NULL;
    }
    fl_model_emit_event(m, d, FL_EVENT_STOPPED, detail);
    if (!d->persistent) {
        fl_model_unlink_domain(m, d);
        fl_model_domain_free(d);
        return 1;
    }
    return 0;
}

void fl_domain_set_state(fl_model *m, fl_domain *d, int state, int reason, int event,
                         int detail)
{
    d->state = state;
    d->reason = reason;
    if (event >= 0)
        fl_model_emit_event(m, d, event, detail);
}

int fl_domain_stopped(fl_model *m, fl_domain *d, int reason, int detail)
{
    return set_stopped(m, d, reason, detail);
}

fl_domain *fl_domain_define(fl_model *m, const char *xml, vw_virerror *err)
{
    domain_def *def = fl_model_parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = fl_model_check_duplicates(m, def, false, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    if (d) {
        if (fl_domain_is_active(d)) {
            /* a running domain keeps its live definition until it stops */
            domain_def_free(d->next_def);
            d->next_def = def;
        } else {
            domain_def_free(d->def);
            d->def = def;
            }
        d->persistent = true;
        fl_model_emit_event(m, d, FL_EVENT_DEFINED, FL_DETAIL_DEFINED_UPDATED);
        return d;
    }
    d = fl_model_insert_domain(m, def);
    if (!d) {
        domain_def_free(def);
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
        return NULL;
    }
    d->persistent = true;
    fl_model_emit_event(m, d, FL_EVENT_DEFINED, FL_DETAIL_DEFINED_ADDED);
    return d;
}

fl_domain *fl_domain_create_xml(fl_model *m, const char *xml, unsigned flags, vw_virerror *err)
{
    domain_def *def = fl_model_parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = fl_model_check_duplicates(m, def, true, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    if (d) {
        if (fl_model_set_running(m, d, 1 /* RUNNING_BOOTED */, err) < 0) {
            domain_def_free(def);
            return NULL;
        }
        /* an inactive persistent domain of the same name and uuid runs with the new def; its
         * config comes back when it stops */
        domain_def_free(d->next_def);
        d->next_def = d->def;
        d->def = def;
    } else {
        d = fl_model_insert_domain(m, def);
        if (!d) {
            domain_def_free(def);
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "out of memory");
            return NULL;
        }
        d->persistent = false;
        if (fl_model_set_running(m, d, 1 /* RUNNING_BOOTED */, err) < 0) {
            fl_model_unlink_domain(m, d);
            fl_model_domain_free(d);
            return NULL;
        }
    }
    fl_model_emit_event(m, d, FL_EVENT_STARTED, FL_DETAIL_STARTED_BOOTED);
    if (flags & 1 /* VIR_DOMAIN_START_PAUSED */) {
        d->state = FL_STATE_PAUSED;
        d->reason = 1;
        fl_model_emit_event(m, d, FL_EVENT_SUSPENDED, FL_DETAIL_SUSPENDED_PAUSED);
    }
    return d;
}

int fl_domain_undefine(fl_model *m, fl_domain *d, vw_virerror *err)
{
    /* the test driver undefines transient (running) domains without complaint, but keeps a
     * domain with a managed save image (VIR_DOMAIN_UNDEFINE_MANAGED_SAVE removes it first) */
    if (d->managed_save) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "Refusing to undefine while domain managed save image exists");
        return -1;
    }
    fl_model_emit_event(m, d, FL_EVENT_UNDEFINED, FL_DETAIL_UNDEFINED_REMOVED);
    if (fl_domain_is_active(d)) {
        d->persistent = false;
        domain_def_free(d->next_def); /* a transient domain has no config */
        d->next_def = NULL;
    } else {
        fl_model_unlink_domain(m, d);
        fl_model_domain_free(d);
    }
    return 0;
}

int fl_domain_start(fl_model *m, fl_domain *d, vw_virerror *err)
{
    return fl_domain_start_as(m, d, 1 /* RUNNING_BOOTED */, FL_DETAIL_STARTED_BOOTED, err);
}

int fl_domain_start_as(fl_model *m, fl_domain *d, int reason, int detail, vw_virerror *err)
{
    if (fl_domain_is_active(d)) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "Domain '%s' is already running", d->def->name);
        return -1;
    }
    if (fl_model_set_running(m, d, reason, err) < 0)
        return -1;
    fl_model_emit_event(m, d, FL_EVENT_STARTED, detail);
    return 0;
}

void fl_domain_emit(fl_model *m, const fl_domain *d, int event, int detail)
{
    fl_model_emit_event(m, d, event, detail);
}

fl_domain *fl_domain_adopt_live_def(fl_model *m, domain_def *def, vw_virerror *err)
{
    int failed;
    fl_domain *same = fl_model_check_duplicates(m, def, true, err, &failed);
    fl_domain *d = failed ? NULL : same ? same : fl_model_insert_domain(m, def);
    if (!failed && !d)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "out of memory");
    if (!d) {
        domain_def_free(def);
        return NULL;
    }
    if (same) {
        domain_def_free(same->next_def);
        same->next_def = same->def; /* the persistent config comes back at the next stop */
        same->def = def;
    }
    return d;
}

int fl_domain_destroy(fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    set_stopped(m, d, 2 /* SHUTOFF_DESTROYED */, FL_DETAIL_STOPPED_DESTROYED);
    return 0;
}

int fl_domain_shutdown(fl_model *m, fl_domain *d, vw_virerror *err)
{
    /* the test driver shuts down running and paused domains alike */
    if (!fl_domain_is_active(d) || d->state == FL_STATE_SHUTOFF) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "domain '%s' not running", d->def->name);
        return -1;
    }
    set_stopped(m, d, 1 /* SHUTOFF_SHUTDOWN */, FL_DETAIL_STOPPED_SHUTDOWN);
    return 0;
}

int fl_domain_reboot(fl_model *m, fl_domain *d, vw_virerror *err)
{
    (void)m;
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    /* The test driver's reboot with on_reboot=restart leaves the domain running and emits no
     * lifecycle event; with on_reboot=destroy the domain stops. */
    if (strcmp(d->def->on_reboot, "destroy") == 0)
        set_stopped(m, d, 1 /* SHUTOFF_SHUTDOWN */, FL_DETAIL_STOPPED_SHUTDOWN);
    else {
        d->state = FL_STATE_RUNNING;
        d->reason = 1;
    }
    return 0;
}

int fl_domain_suspend(fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (d->state != FL_STATE_RUNNING) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "domain '%s' not running", d->def->name);
        return -1;
    }
    d->state = FL_STATE_PAUSED;
    d->reason = 1; /* PAUSED_USER */
    fl_model_emit_event(m, d, FL_EVENT_SUSPENDED, FL_DETAIL_SUSPENDED_PAUSED);
    return 0;
}

int fl_domain_resume(fl_model *m, fl_domain *d, vw_virerror *err)
{
    if (d->state != FL_STATE_PAUSED) {
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "domain '%s' not paused", d->def->name);
        return -1;
    }
    d->state = FL_STATE_RUNNING;
    d->reason = 5; /* RUNNING_UNPAUSED */
    fl_model_emit_event(m, d, FL_EVENT_RESUMED, FL_DETAIL_RESUMED_UNPAUSED);
    return 0;
}

int fl_domain_set_autostart(fl_model *m, fl_domain *d, bool autostart, vw_virerror *err)
{
    (void)m;
    if (!d->persistent) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid", "cannot set autostart for transient domain");
        return -1;
    }
    d->autostart = autostart;
    return 0;
}

fl_domain *fl_domain_migrate_in(fl_model *m, const char *xml, bool persist, bool paused,
                                vw_virerror *err)
{
    domain_def *def = fl_model_parse_def(xml, err);
    if (!def)
        return NULL;
    int failed;
    fl_domain *d = fl_model_check_duplicates(m, def, true, err, &failed);
    if (failed) {
        domain_def_free(def);
        return NULL;
    }
    bool added = false;
    if (d) {
        if (fl_model_set_running(m, d, 2 /* VIR_DOMAIN_RUNNING_MIGRATED */, err) < 0) {
            domain_def_free(def);
            return NULL;
        }
        /* an inactive persistent domain of that name and uuid: the incoming definition runs,
         * its config stays (or is replaced, with persist) */
        if (persist) {
            domain_def_free(d->next_def);
            d->next_def = NULL;
            domain_def_free(d->def);
        } else {
            domain_def_free(d->next_def);
            d->next_def = d->def;
        }
        d->def = def;
    } else {
        d = fl_model_insert_domain(m, def);
        if (!d) {
            domain_def_free(def);
            vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                               "out of memory");
            return NULL;
        }
        d->persistent = persist;
        added = persist;
        if (fl_model_set_running(m, d, 2 /* VIR_DOMAIN_RUNNING_MIGRATED */, err) < 0) {
            fl_model_unlink_domain(m, d);
            fl_model_domain_free(d);
            return NULL;
        }
    }
    fl_model_emit_event(m, d, FL_EVENT_STARTED, FL_DETAIL_STARTED_MIGRATED);
    if (paused) {
        d->state = FL_STATE_PAUSED;
        d->reason = 2; /* VIR_DOMAIN_PAUSED_MIGRATION */
    } else {
        fl_model_emit_event(m, d, FL_EVENT_RESUMED, FL_DETAIL_RESUMED_MIGRATED);
    }
    if (persist) {
        d->persistent = true;
        fl_model_emit_event(m, d, FL_EVENT_DEFINED,
                            added ? FL_DETAIL_DEFINED_ADDED : FL_DETAIL_DEFINED_UPDATED);
    }
    return d;
}

int fl_domain_migrate_out(fl_model *m, fl_domain *d, bool undefine, vw_virerror *err)
{
    if (!fl_domain_is_active(d)) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    bool persistent = d->persistent;
    if (set_stopped(m, d, 4 /* VIR_DOMAIN_SHUTOFF_MIGRATED */, FL_DETAIL_STOPPED_MIGRATED) == 1)
        return 0; /* a transient domain is gone */
    if (undefine && persistent)
        return fl_domain_undefine(m, d, err);
    return 0;
}

/* A copy of a definition (through its XML, which the parser reads back unchanged). */
static domain_def *copy_def(const domain_def *def, vw_virerror *err)
{
    char *xml = domain_def_format(def, -1, true, false);
    domain_def *copy = xml ? domain_def_parse(xml, NULL) : NULL;
    free(xml);
    if (!copy)
        vw_virerror_report(err, VW_ERR_INTERNAL_ERROR, VW_FROM_TEST, "internal error",
                           "cannot copy the definition of domain '%s'", def->name);
    return copy;
}

domain_def *fl_domain_persistent_def(fl_domain *d, vw_virerror *err)
{
    if (!fl_domain_is_active(d))
        return d->def;
    if (!d->next_def && !(d->next_def = copy_def(d->def, err)))
        return NULL;
    return d->next_def;
}

int fl_domain_set_memory(fl_model *m, fl_domain *d, unsigned long long kib, unsigned flags,
                         vw_virerror *err)
{
    (void)m;
    enum { LIVE = 1, CONFIG = 2, MAXIMUM = 4 };
    if (fl_check_flags(flags, LIVE | CONFIG | MAXIMUM, "testDomainSetMemoryFlags", err) < 0)
        return -1;
    /* virDomainObjGetOneDefState */
    if ((flags & LIVE) && (flags & CONFIG)) {
        vw_virerror_report_invalid_arg(err, VW_FROM_DOMAIN, "virDomainObjGetOneDefState", "flags",
                                       "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' "
                                       "are mutually exclusive");
        return -1;
    }
    bool active = fl_domain_is_active(d);
    bool live = (flags & LIVE) || (!(flags & CONFIG) && active);
    if (live && !active) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid", "domain is not running");
        return -1;
    }
    if (!live && !d->persistent) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_DOMAIN,
                           "Requested operation is not valid",
                           "transient domains do not have any persistent config");
        return -1;
    }
    if ((flags & MAXIMUM) && live) {
        vw_virerror_report(err, VW_ERR_OPERATION_INVALID, VW_FROM_TEST,
                           "Requested operation is not valid",
                           "cannot resize the maximum memory on an active domain");
        return -1;
    }
    /* the persistent config of a running domain is its pending definition, made on demand
     * from the live one before either changes (libvirt keeps both from the start on) */
    if (active && d->persistent && !d->next_def && !(d->next_def = copy_def(d->def, err)))
        return -1;
    domain_def *def = live || !active ? d->def : d->next_def;
    if (flags & MAXIMUM) {
        def->memory_kib = kib;
        if (def->current_kib > kib)
            def->current_kib = kib;
        return 0;
    }
    if (kib > def->memory_kib) {
        vw_virerror_report(err, VW_ERR_INVALID_ARG, VW_FROM_TEST, "invalid argument",
                           "cannot set memory higher than max memory");
        return -1;
    }
    def->current_kib = kib;
    return 0;
}

/* sw-i18n.h — gettext set-up for the programs (GUI, CLI, worker) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void        sw_i18n_init          (void);
const char *sw_i18n_get_localedir (void);

G_END_DECLS

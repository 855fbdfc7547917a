/* sw-ui-private.h — shared by the files of ui/ and the UI tests */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void _sw_ui_ensure_resources (void);

G_END_DECLS

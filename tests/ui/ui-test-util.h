/* ui-test-util.h — what every UI test of the real window needs
 *
 * One application instance per test program, a main loop that is spun
 * (never slept) until something holds, frames that really were drawn,
 * and pictures saved into the build folder to look at.
 */
#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

G_BEGIN_DECLS

typedef gboolean (*UiTestCond) (gpointer data);

/* gtk_init_check and, with a display, a registered non-unique
 * SwApplication — both before g_test_init, which makes the warnings of a
 * missing session bus fatal — then g_test_init.  Returns whether there
 * is a display; tests skip themselves without one. */
gboolean       ui_test_init            (int    *argc,
                                        char ***argv);
gboolean       ui_test_have_display    (void);
/* Only for tests with their own set-up: after g_test_init, lets GTK
 * 4.8's one harmless, timing-dependent warning through (see the .c). */
void           ui_test_filter_gtk_warnings (void);
SwApplication *ui_test_get_app         (void);
/* g_test_run, then the application goes. */
int            ui_test_run             (void);

/* Spins the default main context until @cond (@data) holds or
 * @timeout_s pass; never blocks longer than 50 ms at a time. */
gboolean       ui_test_spin_until      (gpointer    data,
                                        UiTestCond  cond,
                                        double      timeout_s);
/* Queues a redraw of @widget and waits until its frame clock ticked
 * twice (so a whole frame was laid out and drawn); asserts on timeout. */
void           ui_test_draw_frames     (gpointer    widget);
/* Writes @widget as drawn now to $SW_BUILD_ROOT/@name (PNG). */
void           ui_test_save_screenshot (gpointer    widget,
                                        const char *name);

/* A window on @scenario_name, @width × @height, mapped, its timeline laid out. */
SwWindow      *ui_test_open_window     (const char *scenario_name,
                                        int         width,
                                        int         height);
/* A plain window holding only a timeline on @model, shown. */
GtkWidget     *ui_test_show_timeline   (SwTimelineModel *model,
                                        int              width,
                                        int              height,
                                        SwTimeline     **out_timeline);
/* Sets NAME, VALUE pairs (NULL-terminated) through the form; asserts. */
void           ui_test_set_params      (SwWindow           *win,
                                        const char * const *assignments);
/* Conditions for ui_test_spin_until on a window. */
gboolean       ui_test_not_running     (gpointer win);

G_END_DECLS

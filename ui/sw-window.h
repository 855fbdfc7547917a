/* sw-window.h — the main window: scenarios, parameters, timeline, console */
#pragma once

#include <gtk/gtk.h>

#include "switchyard.h"
#include "sw-timeline.h"
#include "sw-timeline-model.h"
#include "sw-transport-bar.h"
#include "sw-connect-dialog.h"

G_BEGIN_DECLS

typedef enum {
  SW_RUN_STATE_IDLE,
  SW_RUN_STATE_RUNNING,
  SW_RUN_STATE_FINISHED,
  SW_RUN_STATE_STOPPED,
  SW_RUN_STATE_FAILED,
} SwRunState;

/* The scale of the timeline and the window's text, in percent. */
#define SW_WINDOW_MIN_SCALE  100
#define SW_WINDOW_MAX_SCALE  300
#define SW_WINDOW_SCALE_STEP 25

#define SW_TYPE_WINDOW (sw_window_get_type ())
G_DECLARE_FINAL_TYPE (SwWindow, sw_window, SW, WINDOW, GtkApplicationWindow)

SwWindow         *sw_window_new              (GtkApplication   *application,
                                              const SwScenario *scenario);
const SwScenario *sw_window_get_scenario     (SwWindow         *self);
void              sw_window_set_scenario     (SwWindow         *self,
                                              const SwScenario *scenario);
gboolean          sw_window_set_param        (SwWindow         *self,
                                              const char       *key,
                                              const char       *value,
                                              GError          **error);
char             *sw_window_dup_param        (SwWindow         *self,
                                              const char       *key);
SwRunState        sw_window_get_run_state    (SwWindow         *self);
const char       *sw_window_get_status_text  (SwWindow         *self);
const char       *sw_window_get_subtitle     (SwWindow         *self);
char             *sw_window_dup_console_text (SwWindow         *self);
SwTimeline       *sw_window_get_timeline     (SwWindow         *self);
SwTimelineModel  *sw_window_get_model        (SwWindow         *self);
void              sw_window_set_presentation (SwWindow         *self,
                                              gboolean          presentation);
gboolean          sw_window_get_presentation (SwWindow         *self);
gboolean          sw_window_get_fullscreen_requested (SwWindow   *self);
void              sw_window_set_scale        (SwWindow         *self,
                                              int               percent);
int               sw_window_get_scale        (SwWindow         *self);
void              sw_window_show_trace       (SwWindow         *self,
                                              SwTrace          *trace,
                                              const char       *title);
void              sw_window_open_trace       (SwWindow         *self,
                                              GFile            *file);

void              sw_window_save_trace       (SwWindow         *self,
                                              GFile            *file);
SwReplay         *sw_window_get_replay       (SwWindow         *self);
SwTransportBar   *sw_window_get_transport_bar (SwWindow        *self);
/* Watching an engine elsewhere (switchyard-cli run NAME --listen HOST:PORT) */
gboolean          sw_window_connect          (SwWindow         *self,
                                              const char       *address,
                                              const char       *token,
                                              GError          **error);
void              sw_window_disconnect       (SwWindow         *self);
SwStreamClient   *sw_window_get_stream_client (SwWindow        *self);
SwConnectDialog  *sw_window_show_connect_dialog (SwWindow      *self);

G_END_DECLS

/* sw-window-private.h — SwWindow's parts, shared by its files
 *
 * One window type over three files: sw-window.c (scenarios, the form,
 * running, the console, presentation and scale), sw-window-replay.c
 * (saved traces: open, save, play back, step) and sw-window-remote.c
 * (watching an engine that runs elsewhere).
 */
#pragma once

#include "sw-window.h"
#include "sw-param-form.h"
#include "sw-stats-panel.h"

G_BEGIN_DECLS

typedef struct _RunJob RunJob;

struct _SwWindow
{
  GtkApplicationWindow  parent_instance;

  /* template widgets */
  GtkLabel             *subtitle_label;
  GtkListBox           *scenario_list;
  GtkLabel             *description_label;
  SwParamForm          *param_form;
  GtkLabel             *param_problem_label;
  GtkSpinner           *spinner;
  GtkImage             *status_icon;
  GtkLabel             *status_label;
  GtkBox               *status_bar;
  SwTimeline           *timeline;
  GtkTextView          *console;
  /* panels: stats, Clear, Reset */
  GtkStack             *bottom_stack;
  SwStatsPanel         *stats_panel;
  SwTransportBar       *transport_bar;

  /* owned */
  GSettings            *settings;       /* NULL when the schema is not installed */
  SwTimelineModel      *model;          /* of the current or last run */
  RunJob               *job;            /* the running job, or NULL */
  SwReplay             *replay;         /* of a saved trace, or NULL */
  char                 *replay_title;   /* its file name */
  char                 *status_text;
  guint                 status_timeout;
  gboolean              console_follow;
  guint                 console_tick;
  guint                 console_stable;
  /* presentation and scale */
  GtkCssProvider       *scale_css;      /* window text at the scale, or NULL */
  int                   scale_percent;  /* 100 … 300 */
  gboolean              presentation;
  gboolean              fullscreened;   /* by presentation mode, to undo */
  gboolean              fullscreen_requested;   /* by presentation mode */
  gboolean              saved_prefer_dark;
  int                   saved_paned_position;   /* timeline / console split */
  guint                 split_idle;             /* re-splitting after a resize */

  /* borrowed */
  const SwScenario     *scenario;

  SwRunState            run_state;
  guint                 n_console_lines;
  gint64                run_started_us;

  /* remote: watching an engine that runs elsewhere (sw-window-remote.c) */
  SwStreamClient       *remote;          /* owned; NULL when not watching */
  char                 *remote_address;  /* the last one dialled: the dialog's default */
  guint                 remote_tick;     /* status refresh while watching */
  gboolean              remote_retrying; /* the link dropped: CONNECTING is a retry */
};

/* sw-window.c */
void     _sw_window_update_subtitle       (SwWindow        *self);
void     _sw_window_set_status            (SwWindow        *self,
                                           SwRunState       state,
                                           const char      *text);
void     _sw_window_update_actions        (SwWindow        *self);
void     _sw_window_console_clear         (SwWindow        *self);
void     _sw_window_console_sync          (SwWindow        *self);
void     _sw_window_model_changed_cb      (SwWindow        *self,
                                           SwTimelineModel *model);
char    *_sw_window_format_stats          (SwWindow        *self,
                                           SwTrace         *trace) G_GNUC_WARN_UNUSED_RESULT;

/* sw-window-replay.c */
void     _sw_window_replay_class_init     (GtkWidgetClass  *widget_class);
void     _sw_window_replay_init           (SwWindow        *self);
void     _sw_window_replay_end            (SwWindow        *self);
void     _sw_window_replay_update_actions (SwWindow        *self);

/* sw-window-remote.c */
void     _sw_window_remote_class_init     (GtkWidgetClass  *widget_class);
gboolean _sw_window_remote_watching       (SwWindow        *self);
void     _sw_window_remote_release        (SwWindow        *self);
void     _sw_window_remote_update_actions (SwWindow        *self);

G_END_DECLS

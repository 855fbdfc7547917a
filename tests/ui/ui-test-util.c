/* ui-test-util.c — see ui-test-util.h */
#include "config.h"

#include "ui-test-util.h"

#include <string.h>

static SwApplication *app;
static gboolean have_display;

/* GTK 4.8 now and then warns of its own when a popover or a freshly
 * rebuilt form is drawn in the frame after it was shown ("Trying to
 * snapshot GtkGizmo … without a current allocation"): nothing a person
 * sees goes wrong, and whether it shows depends on timing (it did in the
 * slower ASan build).  Only that message is let through; every other
 * warning still fails the test.  GTK logs through the structured API,
 * where g_test_log_set_fatal_handler is not asked: the filter has to be
 * the log writer. */
static gboolean
is_harmless_gtk_warning (GLogLevelFlags   log_level,
                         const GLogField *fields,
                         gsize            n_fields)
{
  const char *domain = NULL, *message = NULL;

  if ((log_level & G_LOG_LEVEL_WARNING) == 0)
    return FALSE;
  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
        message = fields[i].value;
    }
  return g_strcmp0 (domain, "Gtk") == 0 && message != NULL &&
         strstr (message, "without a current allocation") != NULL;
}

static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  if (is_harmless_gtk_warning (log_level, fields, n_fields))
    {
      g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

      g_test_message ("(not fatal) %s", line);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* The same for messages logged with the old, unstructured API. */
static gboolean
log_fatal_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "Gtk") == 0 &&
           (log_level & G_LOG_LEVEL_WARNING) != 0 &&
           message != NULL && strstr (message, "without a current allocation") != NULL);
}

gboolean
ui_test_init (int    *argc,
              char ***argv)
{
  g_autoptr(GError) error = NULL;

  /* No accessibility bus to talk to under test. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  have_display = gtk_init_check ();
  if (have_display)
    {
      app = sw_application_new ();
      /* No D-Bus name needed (nor wanted) for a test instance. */
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, &error))
        g_error ("cannot register the application: %s", error->message);
    }

  g_test_init (argc, argv, NULL);
  ui_test_filter_gtk_warnings ();

  return have_display;
}

void
ui_test_filter_gtk_warnings (void)
{
  static gsize writer_set;

  g_test_log_set_fatal_handler (log_fatal_cb, NULL);
  if (g_once_init_enter (&writer_set))
    {
      g_log_set_writer_func (log_writer, NULL, NULL);
      g_once_init_leave (&writer_set, 1);
    }
}

gboolean
ui_test_have_display (void)
{
  return have_display;
}

SwApplication *
ui_test_get_app (void)
{
  return app;
}

int
ui_test_run (void)
{
  int ret = g_test_run ();

  g_clear_object (&app);
  return ret;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
ui_test_spin_until (gpointer    data,
                    UiTestCond  cond,
                    double      timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  guint wake = g_timeout_add (50, wake_cb, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake);
  return ok;
}

static gboolean
count_frames_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drew_twice (gpointer data)
{
  return *(guint *) data >= 2;
}

void
ui_test_draw_frames (gpointer widget)
{
  guint frames = 0;
  guint tick;

  tick = gtk_widget_add_tick_callback (GTK_WIDGET (widget), count_frames_cb, &frames, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (widget));
  g_assert_true (ui_test_spin_until (&frames, drew_twice, 30.0));
  gtk_widget_remove_tick_callback (GTK_WIDGET (widget), tick);
}

void
ui_test_save_screenshot (gpointer    widget_ptr,
                         const char *name)
{
  GtkWidget *widget = GTK_WIDGET (widget_ptr);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  const char *root = g_getenv ("SW_BUILD_ROOT");
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);

  path = g_build_filename (root != NULL ? root : ".", name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

gboolean
ui_test_not_running (gpointer win)
{
  return sw_window_get_run_state (win) != SW_RUN_STATE_RUNNING;
}

static gboolean
is_mapped (gpointer win)
{
  return gtk_widget_get_mapped (GTK_WIDGET (win)) &&
         gtk_widget_get_width (GTK_WIDGET (sw_window_get_timeline (win))) > 0;
}

SwWindow *
ui_test_open_window (const char *scenario_name,
                     int         width,
                     int         height)
{
  const SwScenario *scenario = sw_scenario_lookup (scenario_name, NULL);
  SwWindow *win;

  g_assert_nonnull (scenario);
  win = sw_window_new (GTK_APPLICATION (app), scenario);
  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (ui_test_spin_until (win, is_mapped, 10.0));
  g_assert_true (sw_window_get_scenario (win) == scenario);

  return win;
}

void
ui_test_set_params (SwWindow           *win,
                    const char * const *assignments)
{
  for (guint i = 0; assignments[i] != NULL; i += 2)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;

      g_assert_true (sw_window_set_param (win, assignments[i], assignments[i + 1], &error));
      g_assert_no_error (error);
      value = sw_window_dup_param (win, assignments[i]);
      g_assert_nonnull (value);
    }
}

GtkWidget *
ui_test_show_timeline (SwTimelineModel *model,
                       int              width,
                       int              height,
                       SwTimeline     **out_timeline)
{
  GtkWidget *window = gtk_window_new ();
  SwTimeline *timeline = SW_TIMELINE (sw_timeline_new ());

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  sw_timeline_set_model (timeline, model);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (timeline));
  gtk_window_present (GTK_WINDOW (window));
  *out_timeline = timeline;

  return window;
}

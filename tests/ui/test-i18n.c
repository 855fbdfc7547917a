/* test-i18n.c — the window in Simplified Chinese (Xvfb): the template's
 * widgets, the scenario's title, description and parameter names, the
 * choices, the status bar and the console lines of a real run */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"

static SwApplication *app;
static gboolean have_display;

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins the main loop until cond (data) holds or timeout_s pass. */
static gboolean
spin_until (gpointer   data,
            gboolean (*cond) (gpointer data),
            double     timeout_s)
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
is_mapped (gpointer win)
{
  return gtk_widget_get_mapped (GTK_WIDGET (win)) &&
         gtk_widget_get_width (GTK_WIDGET (sw_window_get_timeline (win))) > 0;
}

static gboolean
is_finished (gpointer win)
{
  return sw_window_get_run_state (win) == SW_RUN_STATE_FINISHED;
}

static guint drawn_frames;

static gboolean
count_frames_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  drawn_frames++;
  return G_SOURCE_CONTINUE;
}

static gboolean
drew_twice (gpointer win)
{
  return drawn_frames >= 2;
}

/* Every label's text and every text view's text under root, one a line. */
static void
collect_texts (GtkWidget *root,
               GString   *out)
{
  if (GTK_IS_LABEL (root))
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (root)));
  else if (GTK_IS_TEXT_VIEW (root))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (root));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      g_string_append_printf (out, "%s\n", text);
    }
  else if (GTK_IS_DROP_DOWN (root))
    {
      GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (root));

      for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

          g_string_append_printf (out, "choice:%s\n", gtk_string_object_get_string (item));
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, out);
}

static char *
window_texts (SwWindow *win)
{
  GString *out = g_string_new (NULL);

  collect_texts (GTK_WIDGET (win), out);
  return g_string_free (out, FALSE);
}

/* The first label under root whose text contains needle. */
static GtkLabel *
find_label (GtkWidget  *root,
            const char *needle)
{
  if (GTK_IS_LABEL (root) && strstr (gtk_label_get_text (GTK_LABEL (root)), needle) != NULL)
    return GTK_LABEL (root);

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = find_label (child, needle);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Drawn with real glyphs, not the boxes of a missing CJK font. */
static void
assert_glyphs_found (SwWindow   *win,
                     const char *needle)
{
  GtkLabel *label = find_label (GTK_WIDGET (win), needle);
  int unknown;

  g_assert_nonnull (label);
  unknown = pango_layout_get_unknown_glyphs_count (gtk_label_get_layout (label));
  if (unknown != 0)
    g_error ("“%s” is drawn with %d unknown glyphs: no CJK font (Debian: fonts-wqy-microhei)",
             gtk_label_get_text (label), unknown);
}

static void
assert_shows (const char *texts,
              const char *expected)
{
  if (strstr (texts, expected) == NULL)
    g_error ("the window does not show “%s”; it shows:\n%s", expected, texts);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *name)
{
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

static void
test_window_in_chinese (void)
{
  const SwScenario *scenario = sw_scenario_lookup ("thread-pool", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  SwWindow *win;
  guint tick;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  win = sw_window_new (GTK_APPLICATION (app), scenario);
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 860);
  gtk_window_present (GTK_WINDOW (win));
  g_assert_true (spin_until (win, is_mapped, 10.0));

  before = window_texts (win);
  /* From the .ui template, */
  assert_shows (before, "参数");
  assert_shows (before, "运行(R)");
  /* the scenario (core's N_() strings), */
  assert_shows (before, "线程池");
  assert_shows (before, "第 1 课（线程版）");
  /* a parameter's label (its key stays "workers" for --set) and description, */
  assert_shows (before, "\n工作者数\n");
  assert_shows (before, "池中的工作者数");
  g_assert_null (strstr (before, "\nworkers\n"));
  /* the choices' labels, */
  assert_shows (before, "choice:异步");
  assert_shows (before, "choice:同步");
  /* The Chinese is drawn with a font that has it. */
  assert_glyphs_found (win, "第 1 课（线程版）");
  assert_glyphs_found (win, "工作者数");
  /* And the status bar. */
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "就绪"));

  /* A short run: the console's lesson lines are Chinese too, and the
   * value chosen in the translated form is still the machine word. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.run", NULL));
  g_assert_true (spin_until (win, is_finished, 90.0));
  after = window_texts (win);
  assert_shows (after, "主程序：10 个任务，交给由 4 个线程组成的池，异步提交");
  assert_shows (after, "主程序用时");
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "已完成"));

  /* Drawn at least once since the run ended, so the picture is of it. */
  drawn_frames = 0;
  tick = gtk_widget_add_tick_callback (GTK_WIDGET (win), count_frames_cb, NULL, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (win));
  g_assert_true (spin_until (win, drew_twice, 10.0));
  gtk_widget_remove_tick_callback (GTK_WIDGET (win), tick);
  save_screenshot (GTK_WIDGET (win), "screenshot-zh_CN.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* As a user would start it: LANGUAGE=zh_CN, with the build tree's
   * catalogue (sw_i18n_init finds it since this test lives there). */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  sw_i18n_init ();

  g_setenv ("GTK_A11Y", "none", FALSE);
  have_display = gtk_init_check ();
  if (have_display)
    {
      app = sw_application_new ();
      g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, &error))
        g_error ("cannot register the application: %s", error->message);
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Sw/Window/chinese", test_window_in_chinese);

  ret = g_test_run ();
  g_clear_object (&app);

  return ret;
}

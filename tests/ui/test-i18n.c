/* test-i18n.c — the window in Simplified Chinese (Xvfb): the template's
 * widgets, the scenario's title, description and parameter names, the
 * choices, the status bar and the console lines of a real run */

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-application.h"
#include "sw-window.h"
#include "ui-test-util.h"

static gboolean
is_finished (gpointer win)
{
  return sw_window_get_run_state (win) == SW_RUN_STATE_FINISHED;
}

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
test_window_in_chinese (void)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  SwWindow *win;

  if (!ui_test_have_display ())
    {
      g_test_skip ("no display");
      return;
    }

  win = ui_test_open_window ("thread-pool", 1400, 860);

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
  g_assert_true (ui_test_spin_until (win, is_finished, 90.0));
  after = window_texts (win);
  assert_shows (after, "主程序：10 个任务，交给由 4 个线程组成的池，异步提交");
  assert_shows (after, "主程序用时");
  g_assert_nonnull (strstr (sw_window_get_status_text (win), "已完成"));

  /* Drawn at least once since the run ended, so the picture is of it. */
  ui_test_draw_frames (win);
  ui_test_save_screenshot (win, "screenshot-zh_CN.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int   argc,
      char *argv[])
{
  /* As a user would start it: LANGUAGE=zh_CN, with the build tree's
   * catalogue (sw_i18n_init finds it since this test lives there). */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  sw_i18n_init ();
  ui_test_init (&argc, &argv);

  g_test_add_func ("/Sw/Window/chinese", test_window_in_chinese);

  return ui_test_run ();
}

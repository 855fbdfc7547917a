/* test-timeline-export.c — the timeline as PNG, SVG and PDF, for slides
 *
 * Needs a display (GTK draws the text); without one every test skips.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "switchyard.h"
#include "sw-timeline-export.h"
#include "sw-ui-private.h"

static gboolean have_display;

/* A real run, saved and read back as a replay is. */
static SwTimelineModel *
replayed_model_of (const char * const *set)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(SwTrace) back = NULL;
  g_autoptr(GBytes) json = NULL;
  g_autoptr(SwParams) p = NULL;
  g_autoptr(SwScenarioRun) run = NULL;
  const SwScenario *s = sw_scenario_lookup ("callbacks", &error);
  SwTimelineModel *model;

  g_assert_no_error (error);
  p = sw_params_new (s);
  for (guint i = 0; set[i] != NULL; i++)
    g_assert_true (sw_params_set_assignment (p, set[i], NULL));
  run = sw_scenario_run_new (s, p, trace);
  g_assert_true (sw_scenario_run_execute (run, &error));
  json = sw_trace_to_chrome_json (trace);
  back = sw_trace_from_chrome_json (g_bytes_get_data (json, NULL), g_bytes_get_size (json), &error);
  g_assert_no_error (error);

  model = sw_timeline_model_new (back);
  sw_timeline_model_drain_all (model);
  return model;
}

static SwTimelineModel *
replayed_model (void)
{
  static const char * const set[] = { "pool=thread", "pages=4", "workers=2", "min_download=0.002",
                                      "max_download=0.004", "parse=0.001", NULL };

  return replayed_model_of (set);
}

static char *
export_to (SwTimelineModel *model,
           const char      *dir,
           const char      *name,
           int              width,
           int              height,
           gsize           *length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;

  g_assert_true (sw_timeline_export (model, NULL, path, width, height, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, length, &error));
  g_assert_no_error (error);
  g_unlink (path);
  return data;
}

static guint32
be32 (const guchar *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* The PNG is the requested size and shows more than a blank page. */
static void
test_png (void)
{
  g_autoptr(SwTimelineModel) model = NULL;
  g_autofree char *dir = NULL;
  static const int sizes[][2] = { { 1920, 1080 }, { 800, 600 } };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  model = replayed_model ();
  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *data = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GHashTable) colours = g_hash_table_new (NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autofree guchar *pixels = NULL;
      gsize length;
      int w = sizes[i][0], h = sizes[i][1];

      data = export_to (model, dir, "t.png", w, h, &length);
      g_assert_cmpuint (length, >, 33);
      g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
      g_assert_cmpmem (data + 12, 4, "IHDR", 4);
      g_assert_cmpuint (be32 ((const guchar *) data + 16), ==, (guint) w);
      g_assert_cmpuint (be32 ((const guchar *) data + 20), ==, (guint) h);

      /* Bars, labels, ruler and legend: many colours, not a blank page. */
      bytes = g_bytes_new_take (g_steal_pointer (&data), length);
      texture = gdk_texture_new_from_bytes (bytes, &error);
      g_assert_no_error (error);
      pixels = g_malloc ((gsize) w * h * 4);
      gdk_texture_download (texture, pixels, (gsize) w * 4);
      for (gsize p = 0; p < (gsize) w * h; p += 7)
        g_hash_table_add (colours, GUINT_TO_POINTER (((guint32 *) pixels)[p]));
      g_assert_cmpuint (g_hash_table_size (colours), >, 16);
    }
  g_rmdir (dir);
}

typedef struct
{
  char    *width;
  char    *height;
  gboolean in_text;
  gboolean in_title;
  GString *text;
  GString *title;
} SvgInfo;

static void
svg_start_cb (GMarkupParseContext  *context,
              const char           *element,
              const char          **names,
              const char          **values,
              gpointer              user_data,
              GError              **error)
{
  SvgInfo *info = user_data;

  if (g_str_equal (element, "svg") && info->width == NULL)
    for (guint i = 0; names[i] != NULL; i++)
      {
        if (g_str_equal (names[i], "width"))
          info->width = g_strdup (values[i]);
        else if (g_str_equal (names[i], "height"))
          info->height = g_strdup (values[i]);
      }
  info->in_text = g_str_equal (element, "text");
  info->in_title = g_str_equal (element, "title");
}

static void
svg_end_cb (GMarkupParseContext  *context,
            const char           *element,
            gpointer              user_data,
            GError              **error)
{
  ((SvgInfo *) user_data)->in_text = FALSE;
  ((SvgInfo *) user_data)->in_title = FALSE;
}

static void
svg_text_cb (GMarkupParseContext  *context,
             const char           *text,
             gsize                 length,
             gpointer              user_data,
             GError              **error)
{
  SvgInfo *info = user_data;

  if (info->in_title && info->title != NULL)
    g_string_append_len (info->title, text, (gssize) length);
  if (info->in_text)
    {
      g_string_append_len (info->text, text, (gssize) length);
      g_string_append_c (info->text, '\n');
    }
}

/* The SVG is well-formed XML of the requested size, and the lane names
 * are in it as text. */
static void
test_svg (void)
{
  static const GMarkupParser parser = { svg_start_cb, svg_end_cb, svg_text_cb, NULL, NULL };
  g_autoptr(SwTimelineModel) model = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  SvgInfo info = { NULL, NULL, FALSE, FALSE, g_string_new (NULL), NULL };
  guint n_lanes = 0;
  gsize length;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  model = replayed_model ();
  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  data = export_to (model, dir, "t.svg", 1280, 720, &length);
  g_rmdir (dir);

  context = g_markup_parse_context_new (&parser, 0, &info, NULL);
  g_assert_true (g_markup_parse_context_parse (context, data, (gssize) length, &error) &&
                 g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.width, ==, "1280px");
  g_assert_cmpstr (info.height, ==, "720px");

  for (guint i = 0; i < sw_timeline_model_get_n_lanes (model); i++)
    {
      const SwTimelineLane *lane = sw_timeline_model_get_lane (model, i);
      g_autofree char *line = g_strdup_printf ("%s\n", lane->name);

      if (lane->kind != SW_LANE_THREAD)
        continue;
      if (strstr (info.text->str, line) == NULL)
        g_error ("lane \"%s\" is not in the SVG's text: %s", lane->name, info.text->str);
      n_lanes++;
    }
  g_assert_cmpuint (n_lanes, >=, 2);   /* main and a worker at least */

  g_free (info.width);
  g_free (info.height);
  g_string_free (info.text, TRUE);
}

/* strstr for binary data (a PDF has NUL bytes in its streams). */
static gboolean
contains (const char *data,
          gsize       length,
          const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= length; i++)
    if (data[i] == needle[0] && memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* Exported from a window zoomed in, the image shows the window's range
 * (its title says which), not the whole run. */
static void
test_keeps_view_range (void)
{
  static const GMarkupParser parser = { svg_start_cb, svg_end_cb, svg_text_cb, NULL, NULL };
  g_autoptr(SwTimelineModel) model = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  SvgInfo info = { NULL, NULL, FALSE, FALSE, g_string_new (NULL), g_string_new (NULL) };
  GtkWidget *window, *view;
  gint64 begin, end, a, b, deadline;
  double t0_ms, t1_ms;
  const char *from;
  gsize length;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  model = replayed_model ();
  window = gtk_window_new ();
  view = sw_timeline_new ();
  sw_timeline_set_model (SW_TIMELINE (view), model);
  gtk_window_set_child (GTK_WINDOW (window), view);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 500);
  gtk_window_present (GTK_WINDOW (window));

  /* One frame drawn (it measures the label column), at most 10 s. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (sw_timeline_get_n_drawn_rows (SW_TIMELINE (view), SW_TIMELINE_ROW_LANE) == 0 &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (sw_timeline_get_n_drawn_rows (SW_TIMELINE (view), SW_TIMELINE_ROW_LANE), >, 0);

  begin = sw_timeline_model_get_begin_ns (model);
  end = sw_timeline_model_get_end_ns (model);
  a = begin + (end - begin) / 4;
  b = begin + (end - begin) * 3 / 5;
  sw_timeline_show_range (SW_TIMELINE (view), a, b);

  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  path = g_build_filename (dir, "zoomed.svg", NULL);
  g_assert_true (sw_timeline_export (model, SW_TIMELINE (view), path, 1600, 900, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  g_unlink (path);
  g_rmdir (dir);
  gtk_window_destroy (GTK_WINDOW (window));

  context = g_markup_parse_context_new (&parser, 0, &info, NULL);
  g_assert_true (g_markup_parse_context_parse (context, data, (gssize) length, &error) &&
                 g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_test_message ("title: %s; asked %.3f to %.3f ms", info.title->str, a / 1e6, b / 1e6);
  from = strstr (info.title->str, ", ");
  g_assert_nonnull (from);
  t0_ms = g_ascii_strtod (from + 2, NULL);
  t1_ms = g_ascii_strtod (strstr (from, " to ") + 4, NULL);
  /* Within a pixel's worth of time of what the window showed. */
  g_assert_cmpfloat (ABS (t0_ms - a / 1e6), <, (b - a) / 1e6 / 500);
  g_assert_cmpfloat (ABS (t1_ms - b / 1e6), <, (b - a) / 1e6 / 500);

  g_free (info.width);
  g_free (info.height);
  g_string_free (info.text, TRUE);
  g_string_free (info.title, TRUE);
}

/* The PDF is one page of the requested size. */
static void
test_pdf (void)
{
  g_autoptr(SwTimelineModel) model = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize length;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  model = replayed_model ();
  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  data = export_to (model, dir, "t.pdf", 1920, 1080, &length);
  g_rmdir (dir);

  g_assert_cmpuint (length, >, 1000);
  g_assert_cmpmem (data, 5, "%PDF-", 5);
  g_assert_true (contains (data, length, "/MediaBox [ 0 0 1920 1080 ]"));
  g_assert_true (contains (data, length, "/Count 1"));
  g_assert_true (contains (data, length, "%%EOF"));
}

/* A name that is no image format, a size out of range, a folder that
 * does not exist: one line each, nothing written. */
static void
test_refused (void)
{
  g_autoptr(SwTimelineModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  g_autofree char *gif = g_build_filename (dir, "t.gif", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "t.png", NULL);
  int w, h;

  g_assert_true (sw_timeline_export_parse_size ("1920x1080", &w, &h, NULL));
  g_assert_cmpint (w, ==, 1920);
  g_assert_cmpint (h, ==, 1080);
  g_assert_true (sw_timeline_export_parse_size ("800×600", &w, &h, NULL));
  g_assert_cmpint (h, ==, 600);
  for (guint i = 0; i < 5; i++)
    {
      static const char *const bad[] = { "1920", "0x100", "x", "1920x1080x3", "99999x10" };

      g_assert_false (sw_timeline_export_parse_size (bad[i], &w, &h, &error));
      g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }

  if (!have_display)
    {
      g_rmdir (dir);
      g_test_skip ("no display");
      return;
    }
  model = replayed_model ();
  g_assert_false (sw_timeline_export (model, NULL, gif, 640, 480, &error));
  g_assert_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, ".png"));
  g_clear_error (&error);
  g_assert_false (g_file_test (gif, G_FILE_TEST_EXISTS));

  for (guint i = 0; i < 3; i++)
    {
      static const char *const ext[] = { "png", "svg", "pdf" };
      g_autofree char *path = g_build_filename (dir, "no", "such", "t.", NULL);
      g_autofree char *full = g_strconcat (path, ext[i], NULL);

      g_assert_false (sw_timeline_export (model, NULL, full, 640, 480, &error));
      g_assert_error (error, SW_ERROR, SW_ERROR_IO);
      g_assert_null (strchr (error->message, '\n'));
      g_clear_error (&error);
    }
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

/* `switchyard --replay T.json --export OUT --size WxH`: exit 0 and the
 * file; a bad name or size: exit 2 and one line. */
/* The whole run of lesson 2 on nine worker processes: at 1920×1080 their
 * rows would not all fit unfolded, so each folds to one row and all nine
 * are on the slide (the SVG's text layer names each row drawn). */
static void
test_whole_run_folds_worker_processes (void)
{
  static const char * const set[] = { "pool=process", "pages=9", "workers=9", "min_download=0.002",
                                      "max_download=0.004", "parse=0.001", NULL };
  g_autoptr(SwTimelineModel) model = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *svg = NULL;
  guint n_workers = 0;
  gsize length;

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }

  model = replayed_model_of (set);
  g_assert_cmpuint (sw_timeline_model_get_n_processes (model), ==, 10);
  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  svg = export_to (model, dir, "lesson2.svg", 1920, 1080, &length);

  for (guint i = 1; i < sw_timeline_model_get_n_processes (model); i++)
    {
      const SwTimelineProcess *process = sw_timeline_model_get_process (model, i);
      g_autofree char *named = g_strdup_printf (">%s · ", process->label);

      g_assert_false (process->expanded);
      g_test_message ("%s", process->label);
      n_workers += strstr (svg, named) != NULL;
    }
  g_assert_cmpuint (n_workers, ==, 9);
  g_assert_nonnull (strstr (svg, ">manager<"));
  g_rmdir (dir);
}

static void
test_command_line (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *trace_path = NULL;
  g_autofree char *png = NULL;
  g_autoptr(SwTrace) trace = sw_trace_new (0);
  g_autoptr(GError) error = NULL;
  const char *gui = g_getenv ("SW_GUI");
  static const struct { const char *out; const char *size; int status; const char *says; } cases[] = {
    { "out.png", "640x360", 0, NULL },
    { "out.svg", NULL, 0, NULL },
    { "out.pdf", "1024x768", 0, NULL },
    { "out.gif", NULL, 2, ".png" },
    { "out.png", "huge", 2, "WIDTHxHEIGHT" },
    { "no/such/out.png", NULL, 2, "cannot write" },
  };

  if (!have_display)
    {
      g_test_skip ("no display");
      return;
    }
  g_assert_nonnull (gui);
  dir = g_dir_make_tmp ("sw-export-XXXXXX", NULL);
  trace_path = g_build_filename (dir, "run.json", NULL);
  sw_trace_log (trace, "one line");
  g_assert_true (sw_trace_save_chrome_json (trace, trace_path, &error));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = g_build_filename (dir, cases[i].out, NULL);
      g_autoptr(GSubprocess) proc = NULL;
      g_autofree char *err = NULL;
      const char *argv[] = { gui, "--replay", trace_path, "--export", out,
                             cases[i].size ? "--size" : NULL, cases[i].size, NULL };

      proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error));
      g_assert_no_error (error);
      g_test_message ("%s: %s", cases[i].out, err);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, cases[i].status);
      if (cases[i].status == 0)
        {
          g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
          g_unlink (out);
        }
      else
        {
          g_assert_nonnull (strstr (err, cases[i].says));
          g_assert_true (g_str_has_suffix (err, "\n") && strchr (err, '\n') == err + strlen (err) - 1);
          g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
        }
    }
  g_unlink (trace_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  have_display = gtk_init_check ();
  if (have_display)
    {
      /* The app's colours, as the window has them. */
      g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

      _sw_ui_ensure_resources ();
      gtk_css_provider_load_from_resource (css, "/io/github/switchyard/Switchyard/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  g_test_add_func ("/Sw/TimelineExport/png-size", test_png);
  g_test_add_func ("/Sw/TimelineExport/svg-parses-with-lane-names", test_svg);
  g_test_add_func ("/Sw/TimelineExport/pdf-page-size", test_pdf);
  g_test_add_func ("/Sw/TimelineExport/keeps-view-range", test_keeps_view_range);
  g_test_add_func ("/Sw/TimelineExport/refused", test_refused);
  g_test_add_func ("/Sw/TimelineExport/whole-run-folds-worker-processes", test_whole_run_folds_worker_processes);
  g_test_add_func ("/Sw/TimelineExport/command-line", test_command_line);

  return g_test_run ();
}

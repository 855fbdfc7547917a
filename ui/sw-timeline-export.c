/* sw-timeline-export.c — the timeline as a PNG, SVG or PDF, for slides
 *
 * A second SwTimeline, never shown, is given the same model, the requested
 * size and the view's time range, and its snapshot is replayed onto a
 * cairo surface of that format (gsk_render_node_draw): the same drawing
 * code as on screen, ruler and legend included, vector in SVG and PDF.
 * Cairo writes glyphs as outlines in SVG, so the SVG also gets a text
 * layer of the lane names, invisible, where the labels are drawn (a
 * browser or Inkscape can find and select them, as in a scanned PDF).
 */
#include "config.h"

#include "sw-timeline-export.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <string.h>

#include "switchyard.h"
#include "sw-timeline-private.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK_PAUSE()  __lsan_disable ()
#define LEAK_CHECK_RESUME() __lsan_enable ()
#else
#define LEAK_CHECK_PAUSE()  ((void) 0)
#define LEAK_CHECK_RESUME() ((void) 0)
#endif

gboolean
sw_timeline_export_format_for_path (const char              *path,
                                    SwTimelineExportFormat  *out_format,
                                    GError                 **error)
{
  const char *dot;
  g_autofree char *ext = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  dot = strrchr (path, '.');
  if (dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL)
    ext = g_ascii_strdown (dot + 1, -1);
  if (g_strcmp0 (ext, "png") == 0)
    *out_format = SW_TIMELINE_EXPORT_PNG;
  else if (g_strcmp0 (ext, "svg") == 0)
    *out_format = SW_TIMELINE_EXPORT_SVG;
  else if (g_strcmp0 (ext, "pdf") == 0)
    *out_format = SW_TIMELINE_EXPORT_PDF;
  else
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown image format (the name must end in .png, .svg or .pdf)"), display);
      return FALSE;
    }
  return TRUE;
}

/* "1920x1080" (or with "×") → 1920, 1080. */
gboolean
sw_timeline_export_parse_size (const char  *text,
                               int         *out_width,
                               int         *out_height,
                               GError     **error)
{
  g_auto(GStrv) parts = NULL;
  guint64 w, h;

  g_return_val_if_fail (text != NULL, FALSE);

  if (strstr (text, "×") != NULL)
    parts = g_strsplit (text, "×", 2);
  else
    parts = g_strsplit_set (text, "xX", 2);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 16, SW_TIMELINE_EXPORT_MAX_SIDE, &w, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 16, SW_TIMELINE_EXPORT_MAX_SIDE, &h, NULL))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT,
                   _("bad size \"%s\": expected WIDTHxHEIGHT, each from 16 to %d, e.g. 1920x1080"),
                   text, SW_TIMELINE_EXPORT_MAX_SIDE);
      return FALSE;
    }
  *out_width = (int) w;
  *out_height = (int) h;
  return TRUE;
}

/* The view's visible range, or FALSE when it follows the run (fits it)
 * or has not been drawn yet. */
static gboolean
view_range (SwTimeline *view,
            gint64     *t0,
            gint64     *t1)
{
  const SwTimeScale *scale;
  double label_w, content_w;

  if (view == NULL || sw_timeline_get_follow (view) ||
      gtk_widget_get_width (GTK_WIDGET (view)) <= 1)
    return FALSE;
  scale = sw_timeline_get_scale (view);
  label_w = _sw_timeline_time_to_x (view, scale->start_ns);
  content_w = gtk_widget_get_width (GTK_WIDGET (view)) - label_w;
  if (content_w < 1.0)
    return FALSE;
  *t0 = scale->start_ns;
  *t1 = sw_time_scale_px_to_ns (scale, content_w);
  return *t1 > *t0;
}

static GskRenderNode *
render_at_size (GtkWidget *widget,
                int        width,
                int        height)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  /* The widget is never mapped, so gtk_widget_snapshot() would draw
   * nothing: its own snapshot code, straight. */
  gtk_widget_size_allocate (widget, &(GtkAllocation) { 0, 0, width, height }, -1);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  return gtk_snapshot_free_to_node (snapshot);
}

/* Invisible, selectable text where the lane labels are drawn. */
static void
append_svg_text_layer (GString         *svg,
                       SwTimeline      *timeline,
                       SwTimelineModel *model)
{
  guint n_rows = sw_timeline_model_get_n_rows (model);
  GString *layer = g_string_new ("<g id=\"lane-names\" fill-opacity=\"0\" font-family=\"sans-serif\" font-size=\"14\">\n");
  const char *end;

  for (guint i = 0; i < n_rows; i++)
    {
      const SwTimelineRow *row = sw_timeline_model_get_row (model, i);
      g_autofree char *escaped = NULL;
      g_autofree char *folded = NULL;
      double y;

      /* A folded process's header is the row its lanes are drawn on. */
      if (row->kind == SW_TIMELINE_ROW_PROCESS && !row->process->expanded)
        folded = g_strdup_printf ("%s · %s", row->process->label, row->lane->name);
      else if (row->kind != SW_TIMELINE_ROW_LANE)
        continue;
      y = _sw_timeline_lane_y (timeline, row->lane->id);
      if (y < 0)
        continue;
      escaped = g_markup_escape_text (folded != NULL ? folded : row->lane->name, -1);
      g_string_append_printf (layer, "<text x=\"8\" y=\"%.1f\">%s</text>\n", y, escaped);
    }
  g_string_append (layer, "</g>\n");

  end = g_strrstr (svg->str, "</svg>");
  if (end != NULL)
    g_string_insert (svg, end - svg->str, layer->str);
  g_string_free (layer, TRUE);
}

/* "Switchyard timeline, 10.250 ms to 35.000 ms": what the image shows,
 * as its title (times from the run's start, whatever the locale). */
static char *
describe_range (SwTimeline *timeline,
                int         width)
{
  const SwTimeScale *scale = sw_timeline_get_scale (timeline);
  double label_w = _sw_timeline_time_to_x (timeline, scale->start_ns);
  gint64 t1 = sw_time_scale_px_to_ns (scale, width - label_w);
  char from[G_ASCII_DTOSTR_BUF_SIZE], to[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (from, sizeof from, "%.3f", scale->start_ns / 1e6);
  g_ascii_formatd (to, sizeof to, "%.3f", t1 / 1e6);
  /* TRANSLATORS: an exported image's title; %s are times in milliseconds */
  return g_strdup_printf (_("Switchyard timeline, %s ms to %s ms"), from, to);
}

static cairo_status_t
write_to_string_cb (void                *closure,
                    const unsigned char *data,
                    unsigned int         length)
{
  g_string_append_len (closure, (const char *) data, length);
  return CAIRO_STATUS_SUCCESS;
}

static guint
drawn_rows (SwTimeline *timeline)
{
  return sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_LANE) +
         sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_AGGREGATE) +
         sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_COUNTER) +
         sw_timeline_get_n_drawn_rows (timeline, SW_TIMELINE_ROW_PROCESS);
}

/**
 * sw_timeline_export:
 * @model: what to draw
 * @view: (nullable): the timeline on screen, whose time range is kept
 *   (NULL, or a view that follows the run: the whole run; with NULL, worker
 *   processes of @model are folded when its rows would not all fit)
 * @path: ends in .png, .svg or .pdf
 *
 * Draws the timeline at @width × @height pixels (points in a PDF) into
 * @path, with its ruler and legend.
 *
 * Returns: FALSE with @error set (one line) if the format is unknown or
 *   the file cannot be written
 */
gboolean
sw_timeline_export (SwTimelineModel  *model,
                    SwTimeline       *view,
                    const char       *path,
                    int               width,
                    int               height,
                    GError          **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GString) out = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *display = NULL;
  SwTimelineExportFormat format;
  GtkWidget *widget;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  GdkRGBA bg = { 1.0, 1.0, 1.0, 1.0 };
  gint64 t0, t1;

  g_return_val_if_fail (SW_IS_TIMELINE_MODEL (model), FALSE);
  g_return_val_if_fail (view == NULL || SW_IS_TIMELINE (view), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!sw_timeline_export_format_for_path (path, &format, error))
    return FALSE;
  if (width < 16 || height < 16 || width > SW_TIMELINE_EXPORT_MAX_SIDE || height > SW_TIMELINE_EXPORT_MAX_SIDE)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_INVALID_ARGUMENT, _("bad size %d×%d"), width, height);
      return FALSE;
    }
  display = g_filename_display_name (path);

  widget = g_object_ref_sink (sw_timeline_new ());
  if (view != NULL)
    {
      g_auto(GStrv) classes = gtk_widget_get_css_classes (GTK_WIDGET (view));

      gtk_widget_set_css_classes (widget, (const char **) classes);
    }
  sw_timeline_set_model (SW_TIMELINE (widget), model);
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, NULL, NULL, NULL);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, width, NULL, NULL, NULL, NULL);
  /* A first frame measures the label column; the range is set on its width. */
  gsk_render_node_unref (render_at_size (widget, width, height));
  /* The whole run (no view to copy) with more rows than fit: worker
   * processes fold to one row each, as they can on screen, so every one of
   * them is on the slide. */
  if (view == NULL && drawn_rows (SW_TIMELINE (widget)) < sw_timeline_model_get_n_rows (model))
    {
      for (guint i = 1; i < sw_timeline_model_get_n_processes (model); i++)
        sw_timeline_model_set_process_expanded (model, sw_timeline_model_get_process (model, i)->pid, FALSE);
      gsk_render_node_unref (render_at_size (widget, width, height));
    }
  if (view_range (view, &t0, &t1))
    sw_timeline_show_range (SW_TIMELINE (widget), t0, t1);
  node = render_at_size (widget, width, height);
  title = describe_range (SW_TIMELINE (widget), width);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "theme_base_color", &bg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* Drawn into memory, then written in one go: a file is whole or not
   * there, and a bad path gets the system's reason. */
  out = g_string_new (NULL);
  switch (format)
    {
    case SW_TIMELINE_EXPORT_PNG:
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
      break;
    case SW_TIMELINE_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_to_string_cb, out, width, height);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
      break;
    case SW_TIMELINE_EXPORT_PDF:
    default:
      surface = cairo_pdf_surface_create_for_stream (write_to_string_cb, out, width, height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Switchyard " PACKAGE_VERSION);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
      break;
    }

  /* cairo 1.16 leaks a copy of each source surface destroyed while an
   * SVG page is open (GSK's tiles for repeated patterns: the hatching),
   * a cairo bug a bare cairo program shows too; the sanitizer build must
   * not count it against us. */
  if (format == SW_TIMELINE_EXPORT_SVG)
    LEAK_CHECK_PAUSE ();
  cr = cairo_create (surface);
  gdk_cairo_set_source_rgba (cr, &bg);
  cairo_paint (cr);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  if (format == SW_TIMELINE_EXPORT_SVG)
    LEAK_CHECK_RESUME ();

  if (format == SW_TIMELINE_EXPORT_PNG)
    {
      cairo_surface_flush (surface);
      status = cairo_surface_write_to_png_stream (surface, write_to_string_cb, out);
    }
  else
    {
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);

  if (status == CAIRO_STATUS_SUCCESS && format == SW_TIMELINE_EXPORT_SVG)
    {
      const char *svg = strstr (out->str, "<svg ");
      const char *open_end = svg ? strchr (svg, '>') : NULL;
      gssize after_open = open_end ? open_end + 1 - out->str : -1;

      /* The title first in the document, as SVG wants it. */
      if (after_open >= 0)
        {
          g_autofree char *escaped = g_markup_escape_text (title, -1);
          g_autofree char *element = g_strdup_printf ("\n<title>%s</title>", escaped);

          g_string_insert (out, after_open, element);
        }
      append_svg_text_layer (out, SW_TIMELINE (widget), model);
    }
  g_object_unref (widget);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot draw %s: %s"), display,
                   cairo_status_to_string (status));
      return FALSE;
    }
  if (!g_file_set_contents (path, out->str, (gssize) out->len, &local_error))
    {
      g_set_error (error, SW_ERROR, SW_ERROR_IO, _("cannot write %s: %s"), display, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The dialog: the name chooses the format, a choice the size. */

static const char *const size_ids[] = { "1920x1080", "1280x720", "3840x2160", "window", NULL };

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  SwTimeline *view = user_data;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *size;
  int width = SW_TIMELINE_EXPORT_DEFAULT_WIDTH, height = SW_TIMELINE_EXPORT_DEFAULT_HEIGHT;

  if (response != GTK_RESPONSE_ACCEPT || gtk_widget_in_destruction (GTK_WIDGET (view)) ||
      sw_timeline_get_model (view) == NULL)
    goto out;

  file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  path = file ? g_file_get_path (file) : NULL;
  size = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "size");
  if (g_strcmp0 (size, "window") == 0)
    {
      width = MAX (gtk_widget_get_width (GTK_WIDGET (view)), 16);
      height = MAX (gtk_widget_get_height (GTK_WIDGET (view)), 16);
    }
  else if (size != NULL)
    sw_timeline_export_parse_size (size, &width, &height, NULL);

  if (path == NULL)
    g_set_error_literal (&error, SW_ERROR, SW_ERROR_IO, _("only local files can be written"));
  else
    {
      /* No extension: a PNG. */
      const char *base = strrchr (path, G_DIR_SEPARATOR);

      if (strchr (base ? base : path, '.') == NULL)
        {
          char *png = g_strconcat (path, ".png", NULL);

          g_free (path);
          path = png;
        }
      sw_timeline_export (sw_timeline_get_model (view), view, path, width, height, &error);
    }

  if (error != NULL)
    {
      GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (view)));
      GtkWidget *message;

      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      message = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                        GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                        "%s", _("The image was not exported"));
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (message), "%s", error->message);
      g_signal_connect (message, "response", G_CALLBACK (gtk_window_destroy), NULL);
      G_GNUC_END_IGNORE_DEPRECATIONS
      gtk_window_present (GTK_WINDOW (message));
    }

out:
  g_object_unref (view);
  g_object_unref (dialog);
}

/* "Export Image…": asks for a file (PNG, SVG or PDF by its name) and a
 * size, and draws @view's current range into it. */
void
sw_timeline_export_show_dialog (GtkWindow  *parent,
                                SwTimeline *view)
{
  const char *size_labels[] = {
    _("1920 × 1080 (Full HD slide)"),
    _("1280 × 720"),
    _("3840 × 2160 (4K)"),
    _("As on screen"),
    NULL
  };
  GtkFileChooserNative *dialog;
  static const struct { const char *name; const char *pattern; } filters[] = {
    { N_("PNG image"), "*.png" },
    { N_("SVG image"), "*.svg" },
    { N_("PDF document"), "*.pdf" },
  };

  g_return_if_fail (SW_IS_TIMELINE (view));

  dialog = gtk_file_chooser_native_new (_("Export Image"), parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(filters[i].name));
      gtk_file_filter_add_pattern (filter, filters[i].pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
    }
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (dialog), "size", _("Size"),
                               (const char **) size_ids, size_labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (dialog), "size", size_ids[0]);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), "timeline.png");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), g_object_ref (view));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

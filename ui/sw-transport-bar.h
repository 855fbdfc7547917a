/* sw-transport-bar.h — play/pause, speed, steps and a scrubber for a replay */
#pragma once

#include <gtk/gtk.h>

#include "sw-replay.h"

G_BEGIN_DECLS

#define SW_TYPE_TRANSPORT_BAR (sw_transport_bar_get_type ())
G_DECLARE_FINAL_TYPE (SwTransportBar, sw_transport_bar, SW, TRANSPORT_BAR, GtkWidget)

GtkWidget *sw_transport_bar_new          (void);
SwReplay  *sw_transport_bar_get_replay   (SwTransportBar *self);
void       sw_transport_bar_set_replay   (SwTransportBar *self,
                                          SwReplay       *replay);
GtkScale  *sw_transport_bar_get_scrubber (SwTransportBar *self);
GtkDropDown *sw_transport_bar_get_speed_dropdown (SwTransportBar *self);
const char *sw_transport_bar_get_position_text (SwTransportBar *self);

G_END_DECLS

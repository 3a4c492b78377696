var user_details =  {
  "expanded_url" : "https:\/\/cornercoffee.example",
  "screen_name" : "cornercoffee",
  "location" : "Old Town",
  "url" : "https:\/\/t.co\/UrL0000001",
  "full_name" : "Corner Coffee",
  "bio" : "Small-batch coffee on the corner of Mill Lane.",
  "id" : "3300000001",
  "created_at" : "2015-04-01 12:00:00 +0000",
  "display_url" : "cornercoffee.example"
}
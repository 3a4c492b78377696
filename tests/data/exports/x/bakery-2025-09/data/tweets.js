window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://x.com/harbourbakery/status/1897021001234567168/photo/1",
            "indices" : [
              "20",
              "43"
            ],
            "url" : "https://t.co/M3d1aL1nk",
            "media_url" : "http://pbs.twimg.com/media/example.jpg",
            "id_str" : "1897021001234567175",
            "id" : "1897021001234567175",
            "media_url_https" : "https://pbs.twimg.com/media/example.jpg",
            "type" : "photo",
            "display_url" : "pic.x.com/M3d1aL1nk"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "38"
      ],
      "favorite_count" : "40",
      "id_str" : "1897021001234567168",
      "truncated" : false,
      "retweet_count" : "9",
      "id" : "1897021001234567168",
      "created_at" : "Wed Mar 05 18:02:11 +0000 2025",
      "favorited" : false,
      "full_text" : "Croissant day 🥐 https://t.co/M3d1aL1nk",
      "lang" : "en",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://x.com/harbourbakery/status/1897021001234567168/photo/1",
            "indices" : [
              "20",
              "43"
            ],
            "url" : "https://t.co/M3d1aL1nk",
            "media_url" : "http://pbs.twimg.com/media/example.jpg",
            "id_str" : "1897021001234567175",
            "id" : "1897021001234567175",
            "media_url_https" : "https://pbs.twimg.com/media/example.jpg",
            "type" : "photo",
            "display_url" : "pic.x.com/M3d1aL1nk"
          }
        ]
      },
      "possibly_sensitive" : false
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Sourdough",
            "indices" : [
              "0",
              "1"
            ]
          },
          {
            "text" : "BakeryLife",
            "indices" : [
              "0",
              "1"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/aB3xYz1Qp",
            "expanded_url" : "https://harbourbakery.example/bread?utm_source=x&utm_campaign=sourdough",
            "display_url" : "harbourbakery.example/brea",
            "indices" : [
              "0",
              "1"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "102"
      ],
      "favorite_count" : "15",
      "id_str" : "1896455512398962688",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1896455512398962688",
      "created_at" : "Mon Mar 03 07:15:00 +0000 2025",
      "favorited" : false,
      "full_text" : "Fresh sourdough is out of the oven &amp; on the shelves! #Sourdough #BakeryLife https://t.co/aB3xYz1Qp",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Bread Fan",
            "screen_name" : "breadfan",
            "indices" : [
              "0",
              "9"
            ],
            "id_str" : "1300000000000000777",
            "id" : "1300000000000000777"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "41"
      ],
      "favorite_count" : "1",
      "id_str" : "1896801234567890944",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1896801234567890944",
      "created_at" : "Tue Mar 04 06:45:00 +0000 2025",
      "favorited" : false,
      "full_text" : "@breadfan We open at 7 &lt;3 see you then",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1896790000000000512",
      "in_reply_to_status_id" : "1896790000000000512",
      "in_reply_to_user_id" : "1300000000000000777",
      "in_reply_to_user_id_str" : "1300000000000000777",
      "in_reply_to_screen_name" : "breadfan"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "Autumn",
            "indices" : [
              "0",
              "1"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "42"
      ],
      "favorite_count" : "8",
      "id_str" : "1958000000000000000",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1958000000000000000",
      "created_at" : "Mon Sep 15 07:00:00 +0000 2025",
      "favorited" : false,
      "full_text" : "Autumn menu: pumpkin loaf is here. #Autumn",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "21"
      ],
      "favorite_count" : "2",
      "id_str" : "1896460011122233344",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1896460011122233344",
      "created_at" : "Mon Mar 03 07:33:20 +0000 2025",
      "favorited" : false,
      "full_text" : "Open until 3pm today.",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1896455512398962688",
      "in_reply_to_status_id" : "1896455512398962688",
      "in_reply_to_user_id" : "1420339051512119297",
      "in_reply_to_user_id_str" : "1420339051512119297",
      "in_reply_to_screen_name" : "harbourbakery"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Northfield Flour Mill",
            "screen_name" : "northfieldmill",
            "indices" : [
              "3",
              "18"
            ],
            "id_str" : "1199000111222333444",
            "id" : "1199000111222333444"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "120"
      ],
      "favorite_count" : "0",
      "id_str" : "1896912345678901248",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1896912345678901248",
      "created_at" : "Wed Mar 05 11:20:05 +0000 2025",
      "favorited" : false,
      "full_text" : "RT @northfieldmill: New spelt flour arrived and it is gorgeous. Bakers, get it while it lasts before the weekend rush s…",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [],
        "media" : [
          {
            "expanded_url" : "https://x.com/harbourbakery/status/1897200400500600704/video/1",
            "indices" : [
              "20",
              "43"
            ],
            "url" : "https://t.co/M3d1aL1nk",
            "media_url" : "http://pbs.twimg.com/media/example.jpg",
            "id_str" : "1897200400500600711",
            "id" : "1897200400500600711",
            "media_url_https" : "https://pbs.twimg.com/media/example.jpg",
            "type" : "video",
            "display_url" : "pic.x.com/M3d1aL1nk"
          }
        ]
      },
      "display_text_range" : [
        "0",
        "23"
      ],
      "favorite_count" : "25",
      "id_str" : "1897200400500600704",
      "truncated" : false,
      "retweet_count" : "4",
      "id" : "1897200400500600704",
      "created_at" : "Thu Mar 06 09:00:00 +0000 2025",
      "favorited" : false,
      "full_text" : "https://t.co/V1deO0kneD",
      "lang" : "zxx",
      "extended_entities" : {
        "media" : [
          {
            "expanded_url" : "https://x.com/harbourbakery/status/1897200400500600704/video/1",
            "indices" : [
              "20",
              "43"
            ],
            "url" : "https://t.co/M3d1aL1nk",
            "media_url" : "http://pbs.twimg.com/media/example.jpg",
            "id_str" : "1897200400500600711",
            "id" : "1897200400500600711",
            "media_url_https" : "https://pbs.twimg.com/media/example.jpg",
            "type" : "video",
            "display_url" : "pic.x.com/M3d1aL1nk"
          }
        ]
      },
      "possibly_sensitive" : false
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1897113032045478401",
            "1897113999147290880"
          ],
          "editableUntil" : "2025-03-10T10:00:00.000Z",
          "editsRemaining" : "4",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "33"
      ],
      "favorite_count" : "3",
      "id_str" : "1897113032045478401",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1897113032045478401",
      "created_at" : "Thu Mar 06 08:00:00 +0000 2025",
      "favorited" : false,
      "full_text" : "Hot cross buns are bakc on Friday",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "edit" : {
          "initialTweetId" : "1897113032045478401",
          "editControlInitial" : {
            "editTweetIds" : [
              "1897113032045478401",
              "1897113999147290880"
            ],
            "editableUntil" : "2025-03-10T10:00:00.000Z",
            "editsRemaining" : "4",
            "isEditEligible" : true
          }
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "33"
      ],
      "favorite_count" : "30",
      "id_str" : "1897113999147290880",
      "truncated" : false,
      "retweet_count" : "6",
      "id" : "1897113999147290880",
      "created_at" : "Thu Mar 06 08:04:10 +0000 2025",
      "favorited" : false,
      "full_text" : "Hot cross buns are back on Friday",
      "lang" : "en"
    }
  }
]
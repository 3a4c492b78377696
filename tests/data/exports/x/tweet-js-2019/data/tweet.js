window.YTD.tweet.part0 = [
  {
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
      "44"
    ],
    "favorite_count" : "4",
    "id_str" : "1100000000000000001",
    "truncated" : false,
    "retweet_count" : "1",
    "id" : "1100000000000000001",
    "created_at" : "Tue Feb 26 09:30:00 +0000 2019",
    "favorited" : false,
    "full_text" : "First loaf of the year &gt; last year's best",
    "lang" : "en"
  },
  {
    "retweeted" : false,
    "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
    "entities" : {
      "hashtags" : [
        {
          "text" : "Rye",
          "indices" : [
            "0",
            "1"
          ]
        },
        {
          "text" : "rye",
          "indices" : [
            "0",
            "1"
          ]
        },
        {
          "text" : "RYE",
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
      "14"
    ],
    "favorite_count" : "2",
    "id_str" : "1100000000000000002",
    "truncated" : false,
    "retweet_count" : "0",
    "id" : "1100000000000000002",
    "created_at" : "Wed Feb 27 09:30:00 +0000 2019",
    "favorited" : false,
    "full_text" : "#Rye #rye #RYE",
    "lang" : "en"
  },
  {
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
      "12"
    ],
    "favorite_count" : "1",
    "id_str" : "1099000000000000003",
    "truncated" : false,
    "retweet_count" : "0",
    "id" : "1099000000000000003",
    "created_at" : "Sun Feb 24 17:00:00 +0100 2019",
    "favorited" : false,
    "full_text" : "Evening bake",
    "lang" : "en"
  }
]